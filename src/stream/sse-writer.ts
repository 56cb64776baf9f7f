import type { FastifyReply } from 'fastify';

/** Events sent for one read of the log, at most: a tail is for watching, export is for everything. */
const MAX_PER_DELIVERY = 1000;

/**
 * One Server-Sent Events response (https://html.spec.whatwg.org/multipage/server-sent-events.html).
 * A reader that cannot keep up is never buffered for: while the socket is full, events are
 * counted instead of queued, and the reader is told how many it missed (`event: skipped`).
 */
export class SseWriter {
  private skipped = 0;
  private ended = false;
  private readonly endListeners: (() => void)[] = [];
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly reply: FastifyReply,
    heartbeatMs: number,
  ) {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Reverse proxies (nginx) would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    // The browser reconnects after 2 s when the connection drops (EventSource).
    raw.write('retry: 2000\n: usagehub stream of acknowledged events\n\n');
    raw.on('drain', () => this.reportSkipped());
    raw.on('close', () => this.finish());
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), heartbeatMs);
  }

  events(events: readonly Record<string, unknown>[]): void {
    if (this.ended) return;
    const sent = this.reply.raw.writableNeedDrain ? 0 : Math.min(events.length, MAX_PER_DELIVERY);
    this.skipped += events.length - sent;
    if (sent === 0) return;
    let text = '';
    for (let i = 0; i < sent; i++) {
      const e = events[i]!;
      text += `id: ${String(e.eventId)}\nevent: usage\ndata: ${JSON.stringify(e)}\n\n`;
    }
    this.write(text);
    this.reportSkipped();
  }

  onEnd(listener: () => void): void {
    if (this.ended) listener();
    else this.endListeners.push(listener);
  }

  /** Ends the stream (shutdown); the client may reconnect elsewhere. */
  end(): void {
    if (!this.ended) this.reply.raw.end();
    this.finish();
  }

  private reportSkipped(): void {
    if (this.skipped === 0 || this.reply.raw.writableNeedDrain) return;
    this.write(`event: skipped\ndata: {"skipped":${this.skipped}}\n\n`);
    this.skipped = 0;
  }

  private write(text: string): void {
    if (!this.ended) this.reply.raw.write(text);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    for (const l of this.endListeners.splice(0)) l();
  }
}
