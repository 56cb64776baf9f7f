/**
 * A minimal request/reply channel to a worker thread, used by the log and store
 * threads. The worker side registers handlers and, optionally, a background loop;
 * `stop` lets the loop finish its current step before the thread closes its files.
 */
import fs from 'node:fs';
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { ERRORS, UsageHubError, type ErrorCode } from '../domain/errors.ts';

type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string; code?: ErrorCode }
  | { kind: 'ready' }
  | { kind: 'fatal'; error: string }
  | { kind: 'stopped' };

interface Request {
  id: number;
  op: string;
  arg: unknown;
}

const bootUrl = new URL('./boot.js', import.meta.url);

/**
 * A module beside `here` by its name without extension: `.js` when running the compiled
 * build (dist/), `.ts` when running the sources through tsx (tests, development).
 */
export function sibling(here: string, name: string): URL {
  return new URL(`${name}${here.endsWith('.ts') ? '.ts' : '.js'}`, here);
}

/**
 * The young generation of each worker thread. `--max-semi-space-size=64` (bin/usagehub.js)
 * is a process-wide V8 flag, made for the main thread's per-request garbage; on Node 24
 * the log, store and profiles threads grew their young generations toward it too: the
 * server's peak resident memory loading bench:query's 10 M events was 1,445–1,551 MiB
 * against 1,333–1,368 on Node 20, the difference all in V8's heap pages. Capped at 32
 * MiB, the peak fell by 30–90 MiB (bench:query 1,433 against 1,445 and 1,463; sampled at
 * the peak, V8's pages 655 MiB against 774) with the same bench:sdk throughput (Segment
 * 66,489 and 74,925 events/s against 65,406 and 65,469; PostHog 54,044 and 58,408
 * against 56,674 and 58,514; alternating runs, 2026-12-07).
 */
const WORKER_YOUNG_MIB = 32;

export class ThreadClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly ready: Promise<void>;
  private stopped: Promise<void> | null = null;
  private fatal: Error | null = null;

  /**
   * `entry` is the worker module's URL; `data` reaches it as `threadData()`. `heapMiB`
   * caps the thread's V8 old generation: without it, a thread that churns through large
   * strings grows its heap toward the process default before collecting. The young
   * generation is capped too (WORKER_YOUNG_MIB says why).
   */
  constructor(entry: URL, data: object, onFatal: (err: Error) => void, heapMiB = 256) {
    // A TypeScript entry needs tsx's loader registered in the thread first (boot.js); a
    // compiled one starts as it is.
    const typescript = entry.pathname.endsWith('.ts');
    this.worker = new Worker(typescript ? bootUrl : entry, {
      workerData: { ...data, entry: entry.href },
      resourceLimits: { maxOldGenerationSizeMb: heapMiB, maxYoungGenerationSizeMb: WORKER_YOUNG_MIB },
    });
    let markReady!: () => void;
    let failReady!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      markReady = res;
      failReady = rej;
    });
    this.ready.catch(() => {}); // surfaced through whenReady() and onFatal
    const fail = (err: Error): void => {
      if (this.fatal) return;
      this.fatal = err;
      failReady(err);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      onFatal(err);
    };
    this.worker.on('message', (m: Reply) => {
      if ('kind' in m) {
        if (m.kind === 'ready') markReady();
        else if (m.kind === 'fatal') fail(new Error(m.error));
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      // A catalogued error crosses the thread as what it is, so the route answers its code.
      else p.reject(m.code ? new UsageHubError(m.code, m.error) : new Error(m.error));
    });
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (!this.stopped) fail(new Error(`thread exited unexpectedly with code ${code}`));
    });
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  call<T>(op: string, arg: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.fatal) return Promise.reject(this.fatal);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, arg } satisfies Request, transfer);
    });
  }

  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      if (this.fatal) {
        void this.worker.terminate().then(() => resolve());
        return;
      }
      this.worker.once('exit', () => resolve());
      this.worker.on('message', (m: Reply) => {
        if ('kind' in m && m.kind === 'stopped') void this.worker.terminate();
      });
      this.worker.postMessage('stop');
    });
    return this.stopped;
  }
}

export type Handlers = Record<string, (arg: never) => unknown>;

export interface ThreadService {
  handlers: Handlers;
  /** Runs repeatedly until stop; resolves with how long to pause before the next step, in ms (0: at once). */
  step?: () => Promise<number>;
  close: () => Promise<void>;
}

/** What the parent passed to `ThreadClient`. */
export function threadData<T>(): T {
  return workerData as T;
}

/**
 * Names the calling thread (Linux: 15 characters at most), so that `top -H` and
 * `/proc/<pid>/task/<tid>/comm` tell usagehub's threads apart. Threads that native
 * modules start from libuv's pool (DuckDB's) keep the pool's name. Best effort:
 * elsewhere it does nothing.
 */
export function nameThread(name: string): void {
  try {
    fs.writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // not Linux, or no /proc: names are a diagnostic, not a requirement
  }
}

/** Worker side: answers requests with `handlers`, runs `step`, and stops on request. */
export async function serveThread(start: () => Promise<ThreadService>): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('serveThread must run in a worker thread');
  try {
    const service = await start();
    let stopping = false;
    let wake: (() => void) | null = null;
    port.on('message', (msg: Request | 'stop') => {
      if (msg === 'stop') {
        stopping = true;
        wake?.();
        return;
      }
      void answer(service.handlers, msg).then((r) => port.postMessage(r));
    });
    port.postMessage({ kind: 'ready' } satisfies Reply);
    while (!stopping) {
      const pause = service.step ? await service.step() : 3_600_000;
      if (pause > 0 && !stopping) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, pause);
        });
        wake = null;
      }
    }
    await service.close();
    port.postMessage({ kind: 'stopped' } satisfies Reply);
  } catch (err) {
    port.postMessage({
      kind: 'fatal',
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    } satisfies Reply);
  }
}

async function answer(handlers: Handlers, req: Request): Promise<Reply> {
  try {
    const handler = handlers[req.op];
    if (!handler) throw new Error(`unknown operation ${req.op}`);
    return { id: req.id, ok: true, value: await handler(req.arg as never) };
  } catch (err) {
    const code = err instanceof UsageHubError && err.code in ERRORS ? err.code : undefined;
    return { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err), code };
  }
}
