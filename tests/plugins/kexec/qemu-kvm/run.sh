#!/usr/bin/env bash
# The test kernels on real x86 virtualization (QEMU with KVM, 4 vCPUs, plain VM): kernel A boots its
# APs with INIT-SIPI-SIPI, stops them with REBOOT_VECTOR, hands over to kernel B (kexec), which
# resets the halted APs with INIT-SIPI-SIPI, and back to A. gdb plays the kexec model: it writes
# BI_COMMAND, loads the next image and writes BI_KEXEC_ENTRY, and reads the boot info block.
# Needs /dev/kvm (QEMU 7.2's TCG has no x2APIC), qemu-system-x86_64, gdb and binutils.
# Prints one line per stage and exits 1 if any differs from the expected hand-over.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
kernels=$root/plugins/kexec/kernels
asm=$root/plugins/jump-table/asm
work=$(mktemp -d)
qpid=
cleanup() { if [ -n "$qpid" ]; then kill "$qpid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

# Kernel A plus the PVH stub, linked as kernel.lds says, with the stub and its note added.
sed -e 's/\ttrampoline PT_LOAD FLAGS(7);/&\n\tstub PT_LOAD FLAGS(7);\n\tnote PT_NOTE;/' \
  -e 's/\t.trampoline : {/\t.trampoline : AT(0x300000) {/' \
  -e 's/\t.text : {/\t.text : AT(KERNEL_BASE) {/' \
  -e 's#\t/DISCARD/ : {#\t. = 0x6000;\n\t.pvh_stub : { *(.pvh_stub) } :stub\n\t.note.pvh : { *(.note.pvh) } :stub :note\n&#' \
  "$kernels/kernel.lds" >"$work/kernel.lds"
printf 'TRAMPOLINE_BASE = 0x8000;\nKERNEL_BASE = 0x1000000;\nINCLUDE kernel.lds\n' >"$work/kernel_a_pvh.lds"
(cd "$kernels" && as --64 -I ../../jump-table/asm -o "$work/a.o" kernel_a.S)
(cd "$asm" && as --64 -o "$work/park.o" sev_ap_park.S)
(cd "$here" && as --64 -I "$asm" --defsym NR_CPUS_BOOT=4 -o "$work/stub.o" pvh_stub.S)
(cd "$work" && ld -m elf_x86_64 --build-id=none --no-warn-rwx-segments -z max-page-size=0x1000 \
  -T kernel_a_pvh.lds -o a_pvh.elf a.o park.o stub.o)

sym() { nm "$1" | awk -v n="$2" '$3 == n { print "0x" $1 }'; }
a_loop=$(sym "$work/a_pvh.elf" bsp_command_loop)
b_loop=$(sym "$kernels/kernel_b.elf" bsp_command_loop)
# Both kernels copy relocate_kernel to the control page (BI_KEXEC_CONTROL = 0x7800) and wait there.
wait_at=$(printf '0x%x' $((0x7800 + $(sym "$work/a_pvh.elf" relocate_kernel_wait) - $(sym "$work/a_pvh.elf" relocate_kernel))))

port=$((20000 + RANDOM % 20000))
qemu-system-x86_64 -accel kvm -smp 4 -m 128 -display none -no-reboot -serial none -monitor none \
  -kernel "$work/a_pvh.elf" -gdb "tcp::$port" -S 2>/dev/null &
qpid=$!
sleep 1

show='printf "signature=%08x result=%08x online=%02x%02x%02x%02x\n", *(unsigned int*)0x7018, *(unsigned int*)0x701c, *(unsigned char*)0x7100, *(unsigned char*)0x7101, *(unsigned char*)0x7102, *(unsigned char*)0x7103'
# One gdb session per stage: break where the BSP waits, report, act, detach (the guest runs on).
stage() {
  local at=$1 act=$2
  gdb -q -batch -ex 'set pagination off' -ex 'set confirm off' -ex 'set architecture i386:x86-64' \
    -ex "target remote :$port" -ex "hbreak *$at" -ex continue -ex "$show" -ex delete \
    -ex "$act" -ex detach 2>&1 | tee -a "$work/gdb.log" | grep "^signature=" || true
}
kexec_to() { echo "restore $1"; }
got=$(
  stage "$a_loop" 'set *(unsigned int*)0x7020 = 1'
  stage "$wait_at" "$(kexec_to "$kernels/kernel_b.elf")"
  gdb -q -batch -ex "target remote :$port" -ex 'set *(unsigned long*)0x7028 = 0x2000000' -ex detach >/dev/null 2>&1
  stage "$b_loop" 'set *(unsigned int*)0x7020 = 1'
  stage "$wait_at" "$(kexec_to "$work/a_pvh.elf")"
  gdb -q -batch -ex "target remote :$port" -ex 'set *(unsigned long*)0x7028 = 0x1000000' -ex detach >/dev/null 2>&1
  stage "$a_loop" 'kill'
)
expected='signature=414e524b result=41010004 online=01010101
signature=414e524b result=41020001 online=01000000
signature=424e524b result=42010004 online=01010101
signature=424e524b result=42020001 online=01000000
signature=414e524b result=41010004 online=01010101'
echo "$got"
[ -n "${SEVLAB_DEBUG:-}" ] && cat "$work/gdb.log"
if [ "$got" = "$expected" ]; then echo 'A -> B -> A hand-over as expected'; else echo 'unexpected hand-over'; exit 1; fi
