/** `snapshot` / `restore`: save the whole machine under a name and go back to it later. */
import { refine, str } from '../schema/dsl.ts';
import { SchemaError } from '../schema/path.ts';
import { coreStep, OK } from './step.ts';

export const snapshotStep = coreStep({
  kind: 'snapshot',
  summary: 'Save the machine state under a name',
  schema: refine(str('a snapshot name'), (name, _path, ctx) => {
    ctx.snapshots.add(name);
  }),
  run(name, machine, ctx) {
    ctx.snapshots.set(name as string, machine.snapshot());
    return OK;
  },
});

export const restoreStep = coreStep({
  kind: 'restore',
  summary: 'Go back to a snapshot taken by an earlier step (the event log keeps its history)',
  schema: refine(str('a snapshot name'), (name, path, ctx) => {
    if (!ctx.snapshots.has(name))
      throw new SchemaError(
        path,
        `no earlier step takes a snapshot named '${name}'; expected ${ctx.snapshots.size ? `one of ${[...ctx.snapshots].join(', ')}` : 'a `snapshot` step before this one'}`,
      );
  }),
  run(name, machine, ctx) {
    machine.restore(ctx.snapshots.get(name as string)!);
    machine.log.append({ kind: 'log', vcpu: null, source: 'scenario', message: `restored snapshot ${name}` });
    return OK;
  },
});
