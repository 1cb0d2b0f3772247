/**
 * The worker-thread side of `sevlab run --jobs N`: receives one scenario at a time, runs it with the
 * in-process executor and posts the result back (plain data: structured clone carries the bigints).
 */
import { runScenarioFile } from './execute.ts';
import { executeOptions, type WorkerJob, type WorkerReply } from './pool.ts';

declare const self: Worker;

self.onmessage = async (e: MessageEvent<WorkerJob>) => {
  const job = e.data;
  let reply: WorkerReply;
  try {
    const result = await runScenarioFile(job.file, executeOptions(job));
    reply = { id: job.id, ok: true, result };
  } catch (err) {
    reply = { id: job.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(reply);
};
