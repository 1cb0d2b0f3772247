/** `expect: {mem: {gpa: 0x7c00, bytes: "90 90"}}`: guest memory as the guest reads it, or as the host does. */
import { bool, bytes, obj, refine } from '../schema/dsl.ts';
import { checkGuestRange, guestAddress } from '../steps/common.ts';
import { expectation, hex64 } from './expectation.ts';

const hexBytes = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

export const memExpectation = expectation({
  key: 'mem',
  summary: 'Bytes of guest memory (guest view; host: true for what the hypervisor reads)',
  schema: refine(
    obj({ required: { gpa: guestAddress, bytes: bytes() }, optional: { host: bool() } }),
    (v, path, ctx) => checkGuestRange(v.gpa, v.bytes.length, [...path, 'gpa'], ctx),
  ),
  check(v, machine) {
    const got = v.host
      ? machine.memory.hvRead(v.gpa, v.bytes.length)
      : machine.memory.read(v.gpa, v.bytes.length);
    if (hexBytes(got) === hexBytes(v.bytes)) return null;
    return { expected: `${hex64(v.gpa)}: ${hexBytes(v.bytes)}`, actual: `${hex64(v.gpa)}: ${hexBytes(got)}` };
  },
});
