/** `load`: bytes or a file into guest memory (the guest's view: private pages store ciphertext). */
import { readFileSync } from 'node:fs';
import { bool, bytes, obj, refine, str } from '../schema/dsl.ts';
import { checkGuestRange, existingFile, guestAddress } from './common.ts';
import { coreStep, OK } from './step.ts';

const PAGE = 4096;

export const loadStep = coreStep({
  kind: 'load',
  summary: 'Write bytes or a file into guest memory at a guest-physical address',
  schema: refine(
    obj({
      required: { gpa: guestAddress },
      optional: { bytes: bytes(), file: str('a file path relative to the scenario'), shared: bool() },
      exclusive: [['bytes', 'file']],
    }),
    (v, path, ctx) => {
      const length =
        v.file !== undefined
          ? readFileSync(existingFile([...path, 'file'], v.file, ctx)).length
          : v.bytes!.length;
      checkGuestRange(v.gpa, length, [...path, 'gpa'], ctx);
      if (v.file !== undefined) v.file = existingFile([...path, 'file'], v.file, ctx);
    },
  ),
  run(v, machine) {
    const data = v.file !== undefined ? new Uint8Array(readFileSync(v.file)) : v.bytes!;
    if (v.shared) {
      // The C-bit is per page: a shared load flips every page it touches.
      const start = Math.floor(v.gpa / PAGE) * PAGE;
      const end = Math.ceil((v.gpa + Math.max(data.length, 1)) / PAGE) * PAGE;
      machine.memory.setEncrypted(start, end - start, false);
    }
    machine.memory.write(v.gpa, data);
    return OK;
  },
});
