import fs from 'node:fs';
import path from 'node:path';

export interface LockHolder {
  pid: number;
  role: 'server' | 'cli';
  since: string;
}

export type LockOutcome =
  | { outcome: 'acquired'; release: () => void }
  | { outcome: 'held'; holder: LockHolder }
  /** The data directory cannot be written (read-only, full, not ours): nothing can run on it. */
  | { outcome: 'unwritable'; reason: string };

/** The lock's holder; null when unreadable (a crash mid-write), which counts as stale. */
function readHolder(file: string): LockHolder | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}

/**
 * Gives the lock up. When the file cannot be removed (the directory turned read-only),
 * the lock stays behind, stale: the next process finds its pid gone and takes it over.
 * That is no reason to fail a shutdown that has otherwise finished.
 */
function release(file: string): void {
  try {
    if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
  } catch (err) {
    process.stderr.write(
      `usagehub: could not remove the lock ${file} (${(err as NodeJS.ErrnoException).code}); ` +
        'the next start takes it over\n',
    );
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
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
        return { outcome: 'acquired', release: () => release(file) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = readHolder(file);
        if (holder && alive(holder.pid) && holder.pid !== process.pid) return { outcome: 'held', holder };
        fs.rmSync(file, { force: true });
      }
    }
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOSPC')
      return { outcome: 'unwritable', reason: `${dir} cannot be written (${code}): ${message}` };
    throw err;
  }
  throw new Error(`could not take the lock ${file}`);
}
