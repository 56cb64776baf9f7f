/**
 * A Live API receiver on 127.0.0.1 for process-level tests: answers verification with
 * the published receiver SDK, and records, per event (its client id), the webhook-ids
 * it arrived with.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

const { LiveApi } = createRequire(import.meta.url)('notificare-live-api-node') as {
  LiveApi: new (p: string, k: string) => { httpGateway: { verify(k: string, c: string): string } };
};

export interface LiveReceiver {
  url: string;
  /** client id → webhook-ids it arrived with. */
  seen: Map<string, Set<string>>;
  /** The endpoint's keys, once usagehub created it: needed to answer its challenge. */
  keys: { publicKey: string; privateKey: string };
  stop(): Promise<void>;
}

/** `delayMs`: how long each delivery takes to answer (a slow receiver keeps a stream going). */
export async function startLiveReceiver(delayMs = 0): Promise<LiveReceiver> {
  const receiver: Partial<LiveReceiver> = { seen: new Map(), keys: { publicKey: '', privateKey: '' } };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { keys, seen } = receiver as LiveReceiver;
      if (req.method === 'GET') {
        const challenge = new URL(req.url!, 'http://x').searchParams.get('challenge')!;
        res.end(new LiveApi(keys.privateKey, keys.publicKey).httpGateway.verify(keys.publicKey, challenge));
        return;
      }
      const { type, data } = JSON.parse(body) as { type: string; data: { clientId: string } };
      // Only stored events are recorded: the endpoint also hears of people (usagehub.user.*).
      if (!type.startsWith('usagehub.event.')) {
        res.end('ok');
        return;
      }
      const id = data.clientId;
      const ids = seen.get(id) ?? new Set<string>();
      ids.add(String(req.headers['webhook-id']));
      seen.set(id, ids);
      setTimeout(() => res.end('ok'), delayMs);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.stop = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(() => r()));
  };
  return receiver as LiveReceiver;
}

/** Creates an endpoint for the receiver through the admin API and verifies it. */
export async function subscribe(serverUrl: string, adminKey: string, receiver: LiveReceiver): Promise<void> {
  const call = async (path: string, body?: unknown) => {
    const res = await fetch(`${serverUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${adminKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const endpoint = (await call('/v1/live/endpoints', { url: receiver.url })) as {
    id: string;
    publicKey: string;
    privateKey: string;
  };
  receiver.keys = endpoint;
  const verified = await call(`/v1/live/endpoints/${endpoint.id}/verify`);
  if (verified.verified !== true) throw new Error(`endpoint not verified: ${JSON.stringify(verified)}`);
}
