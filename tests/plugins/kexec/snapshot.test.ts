// The kexec session in machine snapshots (api.onSnapshot): a restore puts back which kernel runs, what
// `kexec load` staged, the blob and its install, as the REPL's and the scenarios' snapshot/restore use them.
import { describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine, machineConfig } from '../../../core/index.ts';
import { SHIPPED_BLOB_PATH } from '../../../plugins/jump-table/index.ts';
import { kexecPlugin } from '../../../plugins/kexec/index.ts';

const machine = (options = {}): Machine => {
  const m = new Machine(machineConfig({ vcpus: 3, ghcbBase: 0x400_0000 }));
  m.plugins.use(kexecPlugin, options);
  return m;
};

const run = (m: Machine, line: string) => {
  const [name, ...args] = line.split(' ');
  const c = m.plugins.commands.get(name!);
  if (!c) throw new Error(`no command ${name}`);
  return c.run(args, m);
};

/** `kexec status` without its last line (the vCPU states). */
const status = (m: Machine) => String(run(m, 'kexec status')).split('\n').slice(0, 4);

const BOOTED_A = 'kernel A booted: 3 of 3 CPUs online; AP jump table blob installed at 0xff00000';
const A_TO_B =
  'kexec A -> B: 1 CPU online after the stop; kernel B has 3 of 3 CPUs online; AP jump table blob installed at 0xff00000';
/** The shipped blob with four int3 bytes after its GDT: valid, and told apart in guest memory. */
const BLOB_FILE = join(mkdtempSync(join(tmpdir(), 'sevlab-kexec-snapshot-')), 'padded.bin');
writeFileSync(
  BLOB_FILE,
  Buffer.concat([readFileSync(SHIPPED_BLOB_PATH), Buffer.from([0xcc, 0xcc, 0xcc, 0xcc])]),
);
/** Where the extra bytes land: the jump table page plus the shipped blob's 192 bytes. */
const PAD_GPA = 0xff0_0000 + 192;

describe('kexec session in machine snapshots', () => {
  test('a kernel booted after the snapshot is gone after restore, so boot a runs again', () => {
    const m = machine();
    const s0 = m.snapshot();
    expect(run(m, 'boot a')).toBe(BOOTED_A);
    m.restore(s0);
    expect(status(m)).toEqual([
      'kernel: none',
      'loaded: none',
      'blob: ap_jump_table.bin (shipped); no blob install yet',
      'kexec: kexec_load: no kernel is running: none booted, so none could install the AP jump table blob',
    ]);
    expect(run(m, 'boot a')).toBe(BOOTED_A);
  });

  test('after restoring kernel A, kexec load b and kexec exec hand over from A again', () => {
    const m = machine();
    run(m, 'boot a');
    const s = m.snapshot();
    expect(run(m, 'kexec load b')).toBe('loaded B (the AP jump table blob is installed)');
    expect(run(m, 'kexec exec')).toBe(A_TO_B);
    m.restore(s);
    expect(status(m)[0]).toBe('kernel: A (3 of 3 CPUs online)');
    expect(run(m, 'kexec load b')).toBe('loaded B (the AP jump table blob is installed)');
    expect(run(m, 'kexec exec')).toBe(A_TO_B);
  });

  test('an image staged before the snapshot and executed after it is staged again after restore', () => {
    const m = machine();
    run(m, 'boot a');
    run(m, 'kexec load b');
    const s = m.snapshot();
    expect(run(m, 'kexec exec')).toBe(A_TO_B);
    expect(status(m).slice(0, 2)).toEqual(['kernel: B (3 of 3 CPUs online)', 'loaded: none']);
    m.restore(s);
    expect(status(m).slice(0, 2)).toEqual(['kernel: A (3 of 3 CPUs online)', 'loaded: B']);
    expect(run(m, 'kexec exec')).toBe(A_TO_B);
  });

  test('blob load after the snapshot is undone: the shipped blob is back, as installed in memory', () => {
    const m = machine();
    run(m, 'boot a');
    const s = m.snapshot();
    expect(run(m, `blob load ${BLOB_FILE}`)).toBe(
      `${BLOB_FILE}: 196 bytes, GDT at 0xa0; AP jump table blob installed at 0xff00000`,
    );
    expect(status(m)[2]).toBe(`blob: ${BLOB_FILE}; installed`);
    expect(m.memory.read32(PAD_GPA)).toBe(0xcccccccc);
    m.restore(s);
    expect(status(m)[2]).toBe('blob: ap_jump_table.bin (shipped); installed');
    expect(String(run(m, 'blob show')).split('\n')[0]).toBe(
      'blob: ap_jump_table.bin (shipped), 192 bytes, GDT at 0xa0',
    );
    expect(m.memory.read32(PAD_GPA)).toBe(0);
  });

  test('a plugin loaded after the snapshot goes back to its initial session; its options stay', () => {
    const m = new Machine(machineConfig({ vcpus: 3, ghcbBase: 0x400_0000 }));
    const s0 = m.snapshot();
    m.plugins.use(kexecPlugin, { sevSnp: true });
    expect(run(m, 'boot a')).toBe('kernel A booted: 3 of 3 CPUs online; blob not installed (sev-snp)');
    m.restore(s0);
    expect(status(m)).toEqual([
      'kernel: none',
      'loaded: none',
      'blob: ap_jump_table.bin (shipped); no blob install yet',
      'kexec: kexec_load: -ENOSYS: SEV-SNP guests start APs with the AP creation event, not the AP jump table',
    ]);
    expect(run(m, 'boot a')).toBe('kernel A booted: 3 of 3 CPUs online; blob not installed (sev-snp)');
  });
});
