/**
 * CPU time of processes from the operating system's accounting (/proc/<pid>/stat), so a
 * benchmark can say what each part of a deployment costs per event — the figure that
 * matters on a machine where adding processes cannot show scaling.
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface Stat {
  pid: number;
  comm: string;
  ppid: number;
  /** Own user + system time, in ticks. */
  own: number;
  /** User + system time of children that exited and were waited for, in ticks. */
  children: number;
  /** Minor page faults (of every thread, for a process). */
  faults: number;
}

function stat(pid: number, file = `/proc/${pid}/stat`): Stat | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null; // exited
  }
  // The command name may hold spaces; the fields after its closing parenthesis are fixed.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state): minflt is field 10, utime 14, stime 15, cutime 16, cstime 17.
  return {
    pid,
    comm,
    ppid: Number(f[1]),
    own: Number(f[11]) + Number(f[12]),
    children: Number(f[13]) + Number(f[14]),
    faults: Number(f[7]),
  };
}

function allStats(): Stat[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => stat(Number(d)))
    .filter((s): s is Stat => s !== null);
}

/** A group of processes whose CPU time can be read at any moment, in seconds. */
export interface CpuSource {
  name: string;
  seconds(): number;
}

/** Given processes (threads included). */
export function processes(name: string, pids: () => number[]): CpuSource {
  return {
    name,
    seconds: () => pids().reduce((sum, pid) => sum + (stat(pid)?.own ?? 0), 0) / TICKS_PER_SECOND,
  };
}

/**
 * Every process with this command name, plus what their exited children used — for
 * servers that fork per connection (PostgreSQL): a backend that ends during the
 * measurement moves its time into its parent's children time, so nothing is lost.
 */
export function byCommand(name: string, comm: string): CpuSource {
  return {
    name,
    seconds: () => {
      const group = allStats().filter((s) => s.comm === comm);
      const pids = new Set(group.map((s) => s.pid));
      const roots = group.filter((s) => !pids.has(s.ppid));
      return (
        (group.reduce((a, s) => a + s.own, 0) + roots.reduce((a, s) => a + s.children, 0)) / TICKS_PER_SECOND
      );
    },
  };
}

/** Starts measuring; the returned function gives each source's CPU seconds since. */
export function measure(sources: readonly CpuSource[]): () => Map<string, number> {
  const before = sources.map((s) => s.seconds());
  return () => new Map(sources.map((s, i) => [s.name, s.seconds() - before[i]!]));
}

/**
 * CPU seconds of each thread of a process, by thread name: usagehub names its worker
 * threads; `main` is the main thread, and the others are summed by the name Node gives
 * them: `node` for V8's garbage-collection helpers and libuv's pool on Node 20,
 * `V8Worker` and `libuv-worker` on Node 24.
 */
function threadSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out; // exited
  }
  for (const tid of tids) {
    const t = stat(Number(tid), `/proc/${pid}/task/${tid}/stat`);
    const name = Number(tid) === pid ? 'main' : t?.comm;
    if (t && name) out.set(name, (out.get(name) ?? 0) + t.own / TICKS_PER_SECOND);
  }
  return out;
}

/**
 * Starts measuring a process thread by thread; the returned function gives each thread
 * name's CPU seconds since (a thread that ended meanwhile is not counted).
 */
export function measureThreads(pid: number): () => Map<string, number> {
  const before = threadSeconds(pid);
  return () => new Map([...threadSeconds(pid)].map(([name, s]) => [name, s - (before.get(name) ?? 0)]));
}

/**
 * Starts counting a process's minor page faults; the returned function gives the count
 * since. A first touch of a page costs ~10 µs of system time on the virtual machines we
 * measure on (a hundred times a retouch), so faults per event is a cost of its own.
 */
export function measureFaults(pid: number): () => number {
  const before = stat(pid)?.faults ?? 0;
  return () => (stat(pid)?.faults ?? before) - before;
}

/** What `measureWork` reports of a piece of work. */
export interface WorkCost {
  /** CPU of the whole process (every thread), user and system, in µs. */
  cpuUs: number;
  /** Minor page faults of the whole process. */
  faults: number;
  ms: number;
}

/** CPU, page faults and wall time of `work`, run in this process. */
export async function measureWork(work: () => Promise<void>): Promise<WorkCost> {
  const cpu = process.cpuUsage();
  const faults = process.resourceUsage().minorPageFault;
  const t = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return {
    cpuUs: used.user + used.system,
    faults: process.resourceUsage().minorPageFault - faults,
    ms: performance.now() - t,
  };
}
