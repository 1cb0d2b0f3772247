import { describe, expect, test } from 'bun:test';
import { crashKexec } from '../../../plugins/kdump/index.ts';
import { kexecExecAction, kexecLoadAction, statusText } from '../../../plugins/kexec/actions.ts';
import { kernelStopped } from '../../../plugins/kexec/kexec-load.ts';
import { kexecSession } from '../../../plugins/kexec/session.ts';
import { loadedMachine } from './rig.ts';

const line = (text: string, prefix: string) => text.split('\n').find((l) => l.startsWith(prefix));

describe('kexec sees the crash kdump captured', () => {
  test('after a crash on cpu2, status, load and exec name the crash and the capture kernel', () => {
    const m = loadedMachine({ vcpus: 4 });
    expect(kernelStopped(m, kexecSession(m))).toBeNull();
    expect(line(statusText(m), 'kexec:')).toBe('kexec: allowed (the AP jump table blob is installed)');
    expect(crashKexec(m, 2).kind).toBe('captured');
    const why = 'kernel A crashed; the capture kernel runs on cpu2';
    expect(kernelStopped(m, kexecSession(m))).toBe(why);
    const status = statusText(m);
    expect(line(status, 'kernel:')).toBe(`kernel: A (stopped: ${why})`);
    expect(line(status, 'kexec:')).toBe(`kexec: not possible: ${why}`);
    expect(kexecLoadAction(m, 'b', '.', false)).toEqual({
      ok: false,
      text: `${why}; no kernel is left to call kexec_load`,
    });
    expect(kexecExecAction(m)).toEqual({ ok: false, text: `${why}; no kernel is left to run kexec -e` });
  });
});
