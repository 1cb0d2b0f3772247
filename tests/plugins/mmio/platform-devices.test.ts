/**
 * The platform devices (core/platform-devices.ts) driven by guest code: the xAPIC page (ICR writes
 * send IPIs through the hypervisor, ID reads answer for the accessing vCPU), COM1 lines as `device`
 * events, and the config that leaves devices out. Each guest runs on a plain VM and under SEV-ES
 * with the MMIO plugin.
 */
import { describe, expect, test } from 'bun:test';
import { type LoggedEvent, Machine, machineConfig, XAPIC_BASE } from '../../../core/index.ts';
import { mmioPlugin } from '../../../plugins/mmio/index.ts';
import { assembleGuest, guestMachine } from './guest/guest.ts';

const of = <K extends LoggedEvent['kind']>(m: Machine, kind: K) =>
  m.log.events.filter((e) => e.kind === kind) as Extract<LoggedEvent, { kind: K }>[];

describe.each(['none', 'es'] as const)('sev: %s', (sev) => {
  test('xAPIC MMIO: the ID register, and an INIT then a SIPI through ICR2/ICR to APIC 1', () => {
    const guest = assembleGuest(`
	movl	$0xfee00000, %ebx
	movl	0x20(%rbx), %r8d		/* ID: APIC ID in bits 31:24 */
	movl	0x30(%rbx), %r9d		/* version */
	movl	$0x01000000, 0x310(%rbx)	/* ICR2: destination APIC 1 */
	movl	$0x00004500, 0x300(%rbx)	/* ICR: INIT, level assert */
	movl	$0x00004608, 0x300(%rbx)	/* ICR: STARTUP, vector 0x08 */
	movl	0x300(%rbx), %r10d		/* delivery status reads idle */
	hlt`);
    const m = guestMachine(guest, { sev, vcpus: 2 });
    m.plugins.use(mmioPlugin);
    m.run({ only: [0] });
    const cpu = m.vcpu(0).cpu;
    expect([cpu.getReg('r8'), cpu.getReg('r9'), cpu.getReg('r10')]).toEqual([0n, 0x50014n, 0x4608n]);
    expect(of(m, 'ipi').map((e) => [e.from, e.to, e.type])).toEqual([
      [0, 1, 'INIT'],
      [0, 1, 'SIPI'],
    ]);
  });

  test('COM1: each line the guest sends is one device event; CR is dropped', () => {
    const guest = assembleGuest(`
	leaq	text(%rip), %rsi
	movw	$0x3f8, %dx
	movl	$9, %ecx
	rep outsb
	hlt
	.data
text:	.ascii	"hi\\r\\nthere"`);
    const m = guestMachine(guest, { sev });
    m.run();
    expect(of(m, 'device')).toMatchObject([{ device: 'com1', message: 'hi' }]);
    expect(m.devices.uart!.output()).toBe('hi\r\nthere');
  });
});

describe('the devices section', () => {
  test('defaults: COM1, VGA text and the xAPIC page, no register file', () => {
    const m = new Machine(machineConfig({ vcpus: 1 }));
    expect([!!m.devices.uart, !!m.devices.vga, !!m.devices.xapic, m.devices.regfile]).toEqual([
      true,
      true,
      true,
      null,
    ]);
    expect(m.memory.mmioAt(0xb8000)?.device.name).toBe('vga-text');
    expect(m.memory.mmioAt(XAPIC_BASE + 0x300)?.device.name).toBe('xapic');
    expect(m.ports.deviceAt(0x3fd)?.name).toBe('com1');
  });

  test('a device turned off leaves its addresses to RAM and its ports unclaimed', () => {
    const m = new Machine(machineConfig({ vcpus: 1, devices: { com1: false, vga: false, xapic: false } }));
    expect([m.devices.uart, m.devices.vga, m.devices.xapic]).toEqual([null, null, null]);
    expect(m.memory.mmioAt(0xb8000)).toBeUndefined();
    expect(m.ports.in(0x3fd, 1)).toBe(0xff);
  });
});
