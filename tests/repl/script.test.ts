import { describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = join(import.meta.dir, '../../scripts/cli.ts');

function repl(args: string[], stdin?: string) {
  const r = Bun.spawnSync([process.execPath, cli, 'repl', ...args], {
    stdin: stdin === undefined ? 'ignore' : Buffer.from(stdin),
    env: { ...process.env, SEVLAB_HISTORY: '/dev/null' },
  });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe('scripting without the UI', () => {
  test('commands piped on stdin print their output', () => {
    const r = repl(['--no-plugins'], 'set u32 0x1000 = 0xdeadbeef\nx/1xw 0x1000\nmsr-proto sev-info\n');
    expect(r.err).toBe('');
    expect(r.out).toBe(
      '0x1000 <- 0xdeadbeef\n0x00001000: 0xdeadbeef\nGHCB_MSR_SEV_INFO_REQ (0x2)\n-> GHCB_MSR_SEV_INFO_RESP max=2 min=1 cbit=51 (0x2000133000001)\n',
    );
    expect(r.code).toBe(0);
  });

  test('--script stops at the first error with status 1; --keep-going runs on', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sevlab-script-')), 'poke.repl');
    writeFileSync(file, '# poke\necho one\nassert 1 == 2\necho two\n');
    const stop = repl(['--script', file, '--no-plugins']);
    expect(stop).toEqual({
      code: 1,
      out: 'one\n',
      err: `${file}:3: assertion failed: 0x1 == 0x2 is false; example: assert u32[0x1000] == 0xdeadbeef\n`,
    });
    const on = repl(['--script', file, '--keep-going', '--no-plugins']);
    expect(on.out).toBe('one\ntwo\n');
    expect(on.code).toBe(1);
  });

  test('a plugin command that fails ends the script with status 1, at its line', () => {
    const r = repl(['--vcpus', '2'], 'kexec exec\nboot a\n');
    expect(r).toEqual({ code: 1, out: '', err: 'stdin:1: no kernel is running: boot one first (boot a)\n' });
  });

  test('a run that failed stays to be looked at; a refused request changes nothing', async () => {
    const { execute } = await import('../../scripts/repl/execute.ts');
    const { newSession } = await import('./helpers.ts');
    const { KERNEL_A_SYMBOLS, kexecPlugin } = await import('../../plugins/kexec/index.ts');
    const s = newSession({ vcpus: 2 });
    s.machine.plugins.use(kexecPlugin, {});
    expect((await execute(s, 'boot a')).kind).toBe('ok');
    const before = s.machine.log.length;
    expect(await execute(s, 'kexec load /nonexistent/kernel.elf')).toMatchObject({ kind: 'error' });
    expect(s.machine.log.length).toBe(before);
    expect((await execute(s, 'kexec load b')).kind).toBe('ok');
    // ud2 where the old kernel starts its stop path: kexec exec runs into it and the VM terminates.
    s.machine.memory.write(KERNEL_A_SYMBOLS.kexec_stop_other_cpus, Uint8Array.of(0x0f, 0x0b));
    expect(await execute(s, 'kexec exec')).toMatchObject({ kind: 'error' });
    expect(s.machine.hv.terminated?.reason).toContain('triple fault on cpu0');
  });

  test('--events prints what each command logged; machine options shape the machine', () => {
    const r = repl(
      ['--vcpus', '2', '--protocol', '1..1', '--no-plugins', '--events'],
      'vmgexit hv-features\nvcpus\n',
    );
    expect(r.out.split('\n').slice(0, 2)).toEqual([
      '#0008 cpu0  EXIT SVM_VMGEXIT_HV_FEATURES info1=0x0 info2=0x0',
      '#0009 cpu0  RSLT SVM_VMGEXIT_HV_FEATURES ok info1=0x0 info2=0x0',
    ]);
    expect(r.out).toContain('*0 real     f000:fff0        running\n 1 real     f000:fff0        wait SIPI\n');
  });

  test('a bad option is one line and status 2', () => {
    expect(repl(['--sev', 'snp'])).toEqual({
      code: 2,
      out: '',
      err: "sevlab repl: --sev takes none or es, not 'snp'\n",
    });
  });
});
