/**
 * Reading events back, for bench:query: one event's document by id through the API
 * (GET /v1/events/:id), and `usagehub export` of a time range from the data directory.
 * The log keeps recent batches as written and settled ones in compressed segments, so
 * both are measured over the whole archive, not only its tail.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { serverNode } from './node.ts';

const bin = path.join(import.meta.dirname, '..', 'bin', 'usagehub.js');

export interface ByIdResult {
  found: number;
  p50: number;
  p99: number;
}

/**
 * Fetches `samples` events by id, spread over the whole log: ids are seqs (batch
 * offset × 2^20 + position), the newest names the last offset, and positions below 100
 * exist in every batch of bench:query's 10,000-event requests. Latency in ms, measured
 * by the client (HTTP on 127.0.0.1 included).
 */
export async function eventsById(hub: { url: string; readKey: string }, samples = 300): Promise<ByIdResult> {
  const headers = { authorization: `Bearer ${hub.readKey}` };
  const newest = (await (await fetch(`${hub.url}/v1/events?limit=1`, { headers })).json()) as {
    events: { eventId: string }[];
  };
  const lastOffset = Math.floor(Number(newest.events[0]!.eventId) / 2 ** 20);
  const times: number[] = [];
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < samples; i++) {
    const id = (1 + Math.floor(random() * lastOffset)) * 2 ** 20 + Math.floor(random() * 100);
    const t0 = performance.now();
    const res = await fetch(`${hub.url}/v1/events/${id}`, { headers });
    await res.arrayBuffer();
    if (res.status === 200) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return {
    found: times.length,
    p50: times[Math.floor(times.length / 2)] ?? NaN,
    p99: times[Math.floor(times.length * 0.99)] ?? NaN,
  };
}

/** `usagehub export` of [from, to) from a data directory no server holds: seconds, and lines written. */
export async function timeExport(
  dataDir: string,
  from: number,
  to: number,
): Promise<{ seconds: number; lines: number }> {
  const t0 = performance.now();
  const child = spawn(
    serverNode,
    [bin, '--data', dataDir, 'export', '--from', String(from), '--to', String(to)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let lines = 0;
  for await (const chunk of child.stdout!) {
    const buf = chunk as Buffer;
    for (let at = buf.indexOf(10); at !== -1; at = buf.indexOf(10, at + 1)) lines++;
  }
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error(`usagehub export exited with ${code}`);
  return { seconds: (performance.now() - t0) / 1000, lines };
}
