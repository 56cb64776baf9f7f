import fs from 'node:fs';
import path from 'node:path';

export interface LockHolder {
  pid: number;
  role: 'server' | 'cli';
  since: string;
}

export type LockOutcome =
  { outcome: 'acquired'; release: () => void } | { outcome: 'held'; holder: LockHolder };

/** The lock's holder; null when unreadable (a crash mid-write), which counts as stale. */
function readHolder(file: string): LockHolder | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One process at a time owns a data directory: the embedded engines do not share
 * files between processes. A lock left by a process that died (SIGKILL) is stale and
 * taken over, since its pid no longer runs.
 */
export function acquireDataLock(file: string, role: LockHolder['role']): LockOutcome {
  const me: LockHolder = { pid: process.pid, role, since: new Date().toISOString() };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      return {
        outcome: 'acquired',
        release: () => {
          if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(file);
      if (holder && alive(holder.pid) && holder.pid !== process.pid) return { outcome: 'held', holder };
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}`);
}
