/**
 * `bun scripts/bench/mmio.ts`: emulated MMIO accesses per second through the full SEV-ES path (the
 * interpreter's NPF #VC, the guest kernel model decoding the instruction and calling the MMIO plugin's
 * handler, the GHCB, the hypervisor's exit validation and device access, the write-back), against the
 * direct path of a plain VM (the interpreter calls the device). The guest alternates a 32-bit store and
 * a 32-bit load to the register-file device in a loop. Best of 5 runs after a warm-up.
 */
import { mmioPlugin } from '../../plugins/mmio/index.ts';
import { assembleGuest, guestMachine } from '../../tests/plugins/mmio/guest/guest.ts';

const LOOPS = 20_000;
const ACCESSES = LOOPS * 2;

const guest = assembleGuest(`
	movl	$regfile, %ebx
	movl	$${LOOPS}, %edx
1:	movl	%edx, (%rbx)
	movl	(%rbx), %eax
	decl	%edx
	jnz	1b
	hlt`);

/** Seconds for one run of the loop on a fresh machine (building and booting it is not timed). */
function once(sev: 'none' | 'es'): number {
  const m = guestMachine(guest, { sev });
  m.plugins.use(mmioPlugin);
  const t0 = performance.now();
  const stop = m.run({ maxInstructions: 10_000_000 });
  const t = (performance.now() - t0) / 1000;
  if (stop.kind !== 'idle' || m.devices.regfile!.log.length !== ACCESSES)
    throw new Error(
      `the ${sev} run stopped with ${JSON.stringify(stop)} after ${m.devices.regfile!.log.length} accesses`,
    );
  return t;
}

function best(sev: 'none' | 'es'): number {
  once(sev);
  let b = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) b = Math.min(b, once(sev));
  return ACCESSES / b;
}

const direct = best('none');
const viaVc = best('es');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`direct MMIO (sev: none)         ${fmt(direct).padStart(12)} accesses/s`);
console.log(`#VC + GHCB MMIO (sev: es)       ${fmt(viaVc).padStart(12)} accesses/s`);
console.log(`ratio direct / #VC              ${(direct / viaVc).toFixed(1).padStart(12)}x`);
