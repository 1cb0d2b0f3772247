/** `expect: {file: {path, exists, size, contains}}`: an artifact in the run's output folder. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bool, bytes, int, obj, str } from '../schema/dsl.ts';
import { artifactPath } from '../steps/artifacts.ts';
import { expectation } from './expectation.ts';

const indexOf = (hay: Uint8Array, needle: Uint8Array): number =>
  Buffer.from(hay).indexOf(Buffer.from(needle));

export const fileExpectation = expectation({
  key: 'file',
  summary: 'A file in the output folder: exists, its size, text or bytes it contains',
  schema: obj({
    required: { path: artifactPath },
    optional: { exists: bool(), size: int(), contains: str(), 'contains-bytes': bytes() },
  }),
  check(v, _machine, ctx) {
    const file = join(ctx.outDir ?? '.', v.path);
    const exists = existsSync(file) && statSync(file).isFile();
    const wantExists = v.exists ?? true;
    if (exists !== wantExists)
      return {
        expected: `${v.path} ${wantExists ? 'exists' : 'absent'}`,
        actual: exists ? 'it exists' : 'no such file',
      };
    if (!exists) return null;
    const data = new Uint8Array(readFileSync(file));
    if (v.size !== undefined && data.length !== v.size)
      return { expected: `${v.path} is ${v.size} bytes`, actual: `${data.length} bytes` };
    if (v.contains !== undefined && !Buffer.from(data).toString('utf8').includes(v.contains))
      return { expected: `${v.path} contains ${JSON.stringify(v.contains)}`, actual: 'text not found' };
    if (v.containsBytes !== undefined && indexOf(data, v.containsBytes) < 0)
      return {
        expected: `${v.path} contains ${v.containsBytes.length} given bytes`,
        actual: 'bytes not found',
      };
    return null;
  },
});
