import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs a guide's shell blocks, in order, as one bash script against a server at `url`
 * (the guide says http://localhost:8080), in `cwd`. Fails on the first failing command.
 */
export async function runGuide(
  doc: string,
  url: string,
  env: Record<string, string>,
  cwd: string,
): Promise<{ stdout: string; blocks: number }> {
  const text = fs.readFileSync(new URL(`../../docs/${doc}`, import.meta.url), 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const script = ['set -euo pipefail', ...blocks].join('\n').replaceAll('http://localhost:8080', url);
  try {
    const { stdout } = await run('bash', ['-c', script], { env: { ...process.env, ...env }, cwd });
    return { stdout, blocks: blocks.length };
  } catch (err) {
    // What the failing command said is what tells which one failed.
    const { stderr = '', stdout = '' } = err as { stderr?: string; stdout?: string };
    throw new Error(`docs/${doc} failed.\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`, {
      cause: err,
    });
  }
}
