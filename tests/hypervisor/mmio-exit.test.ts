/**
 * The hypervisor's MMIO exits (core/hypervisor/exits/mmio.ts) on hand-made GHCB requests: device
 * access in pieces of at most 8 bytes, accesses that leave a device range, length 0, and the read
 * result in the scratch area when the guest resumes.
 */
import { describe, expect, test } from 'bun:test';
import { GHCB_SHARED_BUFFER, Machine, machineConfig, SVM_VMGEXIT } from '../../core/index.ts';

const REGFILE = 0x0800_0000;

function machine() {
  return new Machine(
    machineConfig({ vcpus: 1, memory: 256 * 2 ** 20, devices: { regfile: { base: REGFILE, size: 0x1000 } } }),
  );
}

function exit(m: Machine, code: number, gpa: number, length: number, shared?: Uint8Array) {
  const scratch = BigInt(m.kernel.ghcbGpa(m.vcpu(0)) + GHCB_SHARED_BUFFER.offset);
  return m.rawGhcbExit(0, {
    fields: {
      sw_exit_code: BigInt(code),
      sw_exit_info_1: BigInt(gpa),
      sw_exit_info_2: BigInt(length),
      sw_scratch: scratch,
    },
    ...(shared ? { shared } : {}),
  });
}

const sharedBytes = (g: { bytes: Uint8Array }, n: number) =>
  g.bytes.slice(GHCB_SHARED_BUFFER.offset, GHCB_SHARED_BUFFER.offset + n);

describe('SVM_VMGEXIT_MMIO_WRITE and _READ', () => {
  test('a 20-byte write reaches the device as pieces of 8, 8 and 4 bytes', () => {
    const m = machine();
    m.boot();
    const data = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
    const g = exit(m, SVM_VMGEXIT.MMIO_WRITE, REGFILE + 0x10, 20, data);
    expect(g.get('sw_exit_info_1')).toBe(0n);
    expect(m.devices.regfile!.log.map((a) => [a.op, a.offset, a.size])).toEqual([
      ['write', 0x10, 8],
      ['write', 0x18, 8],
      ['write', 0x20, 4],
    ]);
    expect(m.devices.regfile!.bytes.slice(0x10, 0x24)).toEqual(data);
  });

  test('a read that runs past the device range takes the rest from RAM as the host maps it', () => {
    const m = machine();
    m.boot();
    m.devices.regfile!.bytes.set([1, 2, 3, 4, 5, 6, 7, 8], 0xff8);
    m.memory.write(REGFILE + 0x1000, Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0));
    const g = exit(m, SVM_VMGEXIT.MMIO_READ, REGFILE + 0xff8, 16);
    expect(g.get('sw_exit_info_1')).toBe(0n);
    expect(m.devices.regfile!.log.map((a) => [a.op, a.offset, a.size])).toEqual([['read', 0xff8, 8]]);
    const got = sharedBytes(g, 16);
    expect(got.slice(0, 8)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    // The page after the device is private guest RAM: the host reads ciphertext, not 0xaa 0xbb ...
    expect([...got.slice(8)]).toEqual([...m.memory.hvRead(REGFILE + 0x1000, 8)]);
    expect(got.slice(8, 12)).not.toEqual(Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd));
  });

  test('a device piece never straddles the end of its range', () => {
    const m = machine();
    m.boot();
    exit(m, SVM_VMGEXIT.MMIO_WRITE, REGFILE + 0xffc, 8, new Uint8Array(8).fill(0x11));
    expect(m.devices.regfile!.log.map((a) => [a.op, a.offset, a.size])).toEqual([['write', 0xffc, 4]]);
  });

  test('length 0 touches no device and succeeds', () => {
    const m = machine();
    m.boot();
    const g = exit(m, SVM_VMGEXIT.MMIO_READ, REGFILE, 0);
    expect([g.get('sw_exit_info_1'), g.get('sw_exit_info_2')]).toEqual([0n, 0n]);
    expect(m.devices.regfile!.log).toEqual([]);
  });

  test('an address that is neither a device nor guest memory is malformed input (GHCB_ERR_INVALID_INPUT)', () => {
    const m = machine();
    m.boot();
    const g = exit(m, SVM_VMGEXIT.MMIO_READ, 0x4000_0000, 4);
    expect([g.get('sw_exit_info_1'), g.get('sw_exit_info_2')]).toEqual([2n, 5n]);
  });
});
