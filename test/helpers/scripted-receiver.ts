/**
 * A scripted Live API receiver on 127.0.0.1 for in-process tests, built with the published receiver SDK
 * (notificare-live-api-node): it answers challenges as the SDK computes them, and
 * `behave` decides each POST's fate.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

export const { LiveApi } = createRequire(import.meta.url)('notificare-live-api-node') as {
  LiveApi: new (
    privateKey: string,
    publicKey: string,
  ) => {
    httpGateway: {
      verify(publicKey: string, challenge: string): string;
      validate(publicKey: string, payload: string, signature: string): boolean;
    };
  };
};

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
  /** What the receiver answered. */
  status?: number;
}

/** A Live API receiver: answers challenges with the SDK; `behave` decides each POST's fate. */
export class Receiver {
  server!: http.Server;
  keys = { publicKey: '', privateKey: '' };
  posts: Received[] = [];
  challenges = 0;
  challengeAnswer: ((sdkAnswer: string, res: http.ServerResponse) => void) | null = null;
  behave: (n: number, res: http.ServerResponse, req: http.IncomingMessage) => boolean = () => false;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url!, 'http://x');
        if (req.method === 'GET') {
          this.challenges++;
          const sdk = new LiveApi(this.keys.privateKey, this.keys.publicKey);
          const answer = sdk.httpGateway.verify(
            String(req.headers['x-notificare-public-key']),
            url.searchParams.get('challenge')!,
          );
          if (this.challengeAnswer) return this.challengeAnswer(answer, res);
          res.writeHead(200).end(answer);
          return;
        }
        const received: Received = {
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        this.posts.push(received);
        if (!this.behave(this.posts.length, res, req)) res.writeHead(200).end('ok');
        received.status = res.statusCode;
      });
    });
    this.server.listen(0, '127.0.0.1');
    await new Promise((r) => this.server.once('listening', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
