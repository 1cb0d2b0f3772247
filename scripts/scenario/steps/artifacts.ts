/**
 * Steps that write artifacts into the run's output folder (`--out DIR`, else a temporary folder):
 * the event log as JSON lines and a range of guest memory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { int, obj, refine, str } from '../schema/dsl.ts';
import { SchemaError } from '../schema/path.ts';
import { checkGuestRange, guestAddress } from './common.ts';
import { coreStep, OK } from './step.ts';

/** A path inside the output folder: relative, and never climbing out of it. */
export const artifactPath = refine(str('a file name relative to the output folder'), (p, path) => {
  const n = normalize(p);
  if (isAbsolute(p) || n.startsWith('..'))
    throw new SchemaError(
      path,
      `'${p}' leaves the output folder; expected a relative path such as dump/memory.bin`,
    );
});

function writeArtifact(outDir: string | null, file: string, data: string | Uint8Array): void {
  if (outDir === null) return;
  const target = join(outDir, file);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, data);
}

export const writeLogStep = coreStep({
  kind: 'write-log',
  summary: 'Write the event log so far as JSON lines into the output folder',
  schema: obj({ required: { path: artifactPath } }),
  run(v, machine, ctx) {
    writeArtifact(ctx.outDir, v.path, machine.log.toJsonl());
    return OK;
  },
});

export const dumpMemoryStep = coreStep({
  kind: 'dump-memory',
  summary: 'Write a range of guest memory (guest view) into the output folder',
  schema: refine(
    obj({ required: { gpa: guestAddress, length: int({ min: 1, max: 2 ** 30 }), path: artifactPath } }),
    (v, path, ctx) => checkGuestRange(v.gpa, v.length, [...path, 'gpa'], ctx),
  ),
  run(v, machine, ctx) {
    writeArtifact(ctx.outDir, v.path, machine.memory.read(v.gpa, v.length));
    return OK;
  },
});
