/**
 * A checker for the Trace Event Format (the Google document "Trace Event Format", JSON Object Format)
 * as Perfetto's and chrome://tracing's JSON importers read it: the top-level object, every event's
 * phase and required fields, matched B/E pairs, complete (X) slices that nest on each thread, instant
 * scopes, metadata events, and flow events (s/t/f) that share an id, run forward in time and bind to
 * an enclosing slice. Returns the problems found; an empty list means the file loads.
 */

const PHASES = new Set([
  'B',
  'E',
  'X',
  'i',
  'I',
  'C',
  'b',
  'n',
  'e',
  's',
  't',
  'f',
  'P',
  'N',
  'O',
  'D',
  'M',
  'R',
  'c',
]);
const METADATA = new Set([
  'process_name',
  'process_labels',
  'process_sort_index',
  'thread_name',
  'thread_sort_index',
]);

type Ev = Record<string, unknown>;
const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

export function checkTrace(text: string): string[] {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return [`not JSON: ${(e as Error).message}`];
  }
  const events = Array.isArray(doc) ? doc : (doc as { traceEvents?: unknown })?.traceEvents;
  if (!Array.isArray(events)) return ['no traceEvents array'];
  if (!Array.isArray(doc)) {
    const unit = (doc as { displayTimeUnit?: unknown }).displayTimeUnit;
    if (unit !== undefined && unit !== 'ms' && unit !== 'ns')
      problems.push(`displayTimeUnit ${String(unit)} is not ms or ns`);
  }
  const slices = new Map<string, Array<[number, number, number]>>();
  const open = new Map<string, number[]>();
  const flows = new Map<string, Array<{ ph: string; ts: number; thread: string; i: number }>>();
  for (const [i, raw] of (events as unknown[]).entries()) {
    const e = raw as Ev;
    const at = `event ${i}`;
    if (typeof e !== 'object' || e === null) {
      problems.push(`${at}: not an object`);
      continue;
    }
    if (typeof e.ph !== 'string' || !PHASES.has(e.ph)) {
      problems.push(`${at}: unknown phase ${String(e.ph)}`);
      continue;
    }
    if (e.ph !== 'E' && typeof e.name !== 'string') problems.push(`${at}: no name`);
    if (!isInt(e.pid) || !isInt(e.tid)) problems.push(`${at}: pid and tid must be integers`);
    if (e.args !== undefined && (typeof e.args !== 'object' || e.args === null || Array.isArray(e.args)))
      problems.push(`${at}: args must be an object`);
    const thread = `${e.pid}/${e.tid}`;
    if (e.ph === 'M') {
      if (!METADATA.has(e.name as string)) problems.push(`${at}: unknown metadata ${String(e.name)}`);
      const args = (e.args ?? {}) as Ev;
      if (String(e.name).endsWith('_name') && typeof args.name !== 'string')
        problems.push(`${at}: ${e.name} without args.name`);
      if (String(e.name).endsWith('_sort_index') && !isInt(args.sort_index))
        problems.push(`${at}: ${e.name} without args.sort_index`);
      continue;
    }
    if (!isNum(e.ts) || (e.ts as number) < 0) {
      problems.push(`${at}: ts must be a number >= 0`);
      continue;
    }
    const ts = e.ts as number;
    if (e.ph === 'X') {
      if (!isNum(e.dur) || (e.dur as number) < 0) {
        problems.push(`${at}: X without a dur >= 0`);
        continue;
      }
      const list = slices.get(thread) ?? [];
      list.push([ts, ts + (e.dur as number), i]);
      slices.set(thread, list);
    } else if (e.ph === 'B') {
      const s = open.get(thread) ?? [];
      s.push(ts);
      open.set(thread, s);
    } else if (e.ph === 'E') {
      const s = open.get(thread) ?? [];
      const b = s.pop();
      if (b === undefined) problems.push(`${at}: E without a B on thread ${thread}`);
      else {
        if (ts < b) problems.push(`${at}: E before its B`);
        const list = slices.get(thread) ?? [];
        list.push([b, ts, i]);
        slices.set(thread, list);
      }
    } else if (e.ph === 'i' || e.ph === 'I') {
      if (e.s !== undefined && !['g', 'p', 't'].includes(e.s as string))
        problems.push(`${at}: instant scope must be g, p or t`);
    } else if (e.ph === 's' || e.ph === 't' || e.ph === 'f') {
      if (e.id === undefined || (typeof e.id !== 'number' && typeof e.id !== 'string'))
        problems.push(`${at}: flow without id`);
      if (e.ph === 'f' && e.bp !== undefined && e.bp !== 'e') problems.push(`${at}: flow bp must be e`);
      const key = `${String(e.cat ?? '')}/${String(e.id)}`;
      const list = flows.get(key) ?? [];
      list.push({ ph: e.ph, ts, thread, i });
      flows.set(key, list);
    }
  }
  for (const [thread, s] of open)
    if (s.length) problems.push(`thread ${thread}: ${s.length} B events without E`);
  for (const [thread, list] of slices) {
    const sorted = [...list].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const stack: Array<[number, number, number]> = [];
    for (const s of sorted) {
      while (stack.length && stack.at(-1)![1] <= s[0]) stack.pop();
      const parent = stack.at(-1);
      if (parent && s[1] > parent[1])
        problems.push(`thread ${thread}: slice of event ${s[2]} overlaps event ${parent[2]} without nesting`);
      stack.push(s);
    }
  }
  const enclosed = (thread: string, ts: number) =>
    (slices.get(thread) ?? []).some(([b, e]) => b <= ts && ts <= e);
  for (const [key, list] of flows) {
    if (list[0]?.ph !== 's') problems.push(`flow ${key}: does not start with s`);
    if (list.at(-1)?.ph !== 'f') problems.push(`flow ${key}: does not end with f`);
    for (let k = 1; k < list.length; k++)
      if (list[k]!.ts < list[k - 1]!.ts)
        problems.push(`flow ${key}: goes back in time at event ${list[k]!.i}`);
    for (const f of list)
      if (!enclosed(f.thread, f.ts)) problems.push(`flow ${key}: event ${f.i} has no enclosing slice`);
  }
  return problems;
}
