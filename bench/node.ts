/**
 * The Node.js that runs usagehub in a benchmark. BENCH_NODE names its binary (to compare
 * runtimes: the same load generator, the server on Node 20 or 24); without it, the Node
 * running the benchmark. The load generators always run on the benchmark's own Node, so
 * two runs that differ only in BENCH_NODE differ only in the server's runtime.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

export const serverNode = fs.realpathSync(path.resolve(process.env.BENCH_NODE ?? process.execPath));

/**
 * The server's Node version, once it is known to load the project's native addon:
 * better-sqlite3 is built for one Node ABI at a time, and a server that cannot open its
 * store would make every figure an error count. Says how to rebuild it when it cannot.
 */
export const serverNodeVersion: string = (() => {
  try {
    return execFileSync(
      serverNode,
      [
        '-e',
        'require(process.argv[1])(":memory:").close(); process.stdout.write(process.version)',
        path.join(root, 'node_modules', 'better-sqlite3'),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ).trim();
  } catch (err) {
    const said = ((err as { stderr?: string }).stderr ?? String(err)).replace(/\s+/g, ' ');
    const detail =
      /NODE_MODULE_VERSION \d+\. This version of Node\.js requires NODE_MODULE_VERSION \d+/.exec(said)?.[0] ??
      said.slice(0, 300);
    throw new Error(
      `${serverNode} cannot load better-sqlite3 as built in node_modules: ${detail.trim()}.\n` +
        `Build it for that Node first, in a checkout of its own if the other Node's build is needed too:\n` +
        `  PATH=${path.dirname(serverNode)}:$PATH npm_config_nodedir=${path.dirname(path.dirname(serverNode))} npm rebuild better-sqlite3`,
      { cause: err },
    );
  }
})();

/** One line for a report's head: which Node ran the server and which the load. */
export function runtimesLine(): string {
  return `server on Node ${serverNodeVersion}${process.env.BENCH_NODE ? ' (BENCH_NODE)' : ''}, load generated on Node ${process.version}`;
}

/**
 * For the benchmarks that measure usagehub's code in their own process (storage,
 * store-apply, sdk-stages, enrichment): runs this script again on BENCH_NODE when it
 * names another Node, and exits with its status. Returns when this process is the one.
 */
export function onServerNode(): void {
  if (serverNode === fs.realpathSync(process.execPath)) return;
  const script = process.argv[1]!;
  const run = spawnSync(serverNode, [...process.execArgv, script, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_NODE: serverNode },
  });
  process.exit(run.status ?? 1);
}
