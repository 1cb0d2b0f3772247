/**
 * Where the loader, the firmware model and the kexec model put their own data in guest memory. All of
 * it lies below 1 MiB, away from the test kernels' trampolines (0x8000, 0xa000) and images (16 MiB,
 * 32 MiB), and is reserved so that the kernels' memory never covers it.
 */
export const LOADER_LAYOUT = {
  /** Boot info block (boot_info.inc): the kernels' boot_params. */
  bootInfo: 0x5000,
  /** u8 online[nr_cpus] (cpu_online_mask), one page: up to 4096 CPUs. */
  onlineFlags: 0x6000,
  /** The kexec control page: the old kernel runs relocate_kernel from here while the next image loads. */
  kexecControl: 0x7000,
  /** The direct-boot identity map: PML4, PDPT and four page directories of 2 MiB pages (4 GiB). */
  pageTable: 0x20000,
  pageTableSize: 6 * 4096,
  /** OVMF's AP loop after ExitBootServices (firmware/ovmf_ap_stub.S), firmware-reserved. */
  firmwareApStub: 0x9f000,
} as const;

/** Region names, as they appear in the memory map (`memory.reserve` owner). */
export const LOADER_OWNERS = {
  bootInfo: 'loader: boot info block and online mask',
  kexecControl: 'kexec: control page (relocate_kernel)',
  pageTable: 'loader: direct-boot identity map',
  firmwareApStub: 'firmware: AP loop (ExitBootServices)',
} as const;
