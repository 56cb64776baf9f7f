/**
 * A three-node NATS JetStream cluster on 127.0.0.1, started from the machine's own
 * nats-server for one test and removed after it: each node with its own ports and
 * store directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { freePort } from './process.ts';
import { tempDir } from './server.ts';

export const NATS_SERVER = process.env.USAGEHUB_TEST_NATS_SERVER ?? '/usr/sbin/nats-server';

export interface ClusterNode {
  name: string;
  url: string;
  child: ChildProcess;
  exited: Promise<void>;
}

export interface NatsCluster {
  nodes: ClusterNode[];
  /** Every node's client URL, comma-separated, as usagehub's --log takes them. */
  urls: string;
  stop(): Promise<void>;
}

export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  if (!fs.existsSync(NATS_SERVER)) throw new Error(`${NATS_SERVER} not found (USAGEHUB_TEST_NATS_SERVER)`);
  const dir = tempDir('usagehub-nats-');
  const clientPorts = await Promise.all(Array.from({ length: size }, freePort));
  const routePorts = await Promise.all(Array.from({ length: size }, freePort));
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const nodes = clientPorts.map((port, i): ClusterNode => {
    const name = `n${i + 1}`;
    const child = spawn(
      NATS_SERVER,
      [
        '-a',
        '127.0.0.1',
        '-p',
        String(port),
        '-n',
        name,
        '-js',
        '-sd',
        path.join(dir, name),
        '--cluster_name',
        'usagehub-test',
        '--cluster',
        `nats://127.0.0.1:${routePorts[i]}`,
        '--routes',
        routes,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    return { name, url: `nats://127.0.0.1:${port}`, child, exited };
  });
  const cluster: NatsCluster = {
    nodes,
    urls: nodes.map((n) => n.url).join(','),
    stop: async () => {
      for (const n of nodes)
        if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGTERM');
      await Promise.all(nodes.map((n) => n.exited));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await untilJetStreamReady(nodes.map((n) => n.url)).catch(async (err) => {
    await cluster.stop();
    throw err;
  });
  return cluster;
}

/** Waits until the cluster has elected its JetStream meta leader (account info answers). */
async function untilJetStreamReady(servers: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const nc = await connect({ servers, timeout: 1000 });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 1000 });
        const info = await jsm.getAccountInfo();
        if (info) return;
      } finally {
        await nc.close();
      }
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the NATS cluster did not become ready: ${String(last)}`);
}
