/**
 * `expect: {ap-jump-table: 0x...}` or `none`: the AP jump table GPA the hypervisor holds from
 * AP_JUMP_TABLE SET (KVM sev_es.ap_jump_table; 0 when none was set).
 */
import { int, orNone } from '../schema/dsl.ts';
import { expectation, hex64 } from './expectation.ts';

const show = (gpa: number) => (gpa === 0 ? 'none' : hex64(gpa));

export const apJumpTableExpectation = expectation({
  key: 'ap-jump-table',
  summary: 'The AP jump table GPA the hypervisor stored (or none)',
  schema: orNone(int({ expected: 'a guest-physical address' })),
  check(v, machine) {
    const got = machine.hv.apJumpTable;
    const want = v ?? 0;
    return got === want ? null : { expected: show(want), actual: show(got) };
  },
});
