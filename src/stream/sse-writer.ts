import type { FastifyReply } from 'fastify';
import type { TailEvent } from './log-tail.ts';

/**
 * What a stream may hold unsent before further events are skipped: a batch or two's
 * worth, so that a burst passes, and a reader that stopped reading costs at most this much.
 */
const MAX_BUFFERED_BYTES = 2 ** 20;
/** A reader whose buffer stays full this long has stopped reading: it is dropped, and its place freed. */
export const STALLED_AFTER_MS = 10_000;

/**
 * One Server-Sent Events response (https://html.spec.whatwg.org/multipage/server-sent-events.html).
 * A reader that cannot keep up is not buffered for without bound: past MAX_BUFFERED_BYTES
 * unsent, events are counted instead of queued, and the reader is told how many it
 * missed (`event: skipped`); one whose buffer stays full for STALLED_AFTER_MS is
 * disconnected, as a reader that does not read at all would otherwise hold its place
 * and its megabyte for ever.
 */
export class SseWriter {
  private skipped = 0;
  private ended = false;
  private readonly endListeners: (() => void)[] = [];
  private readonly heartbeat: NodeJS.Timeout;
  private stall: NodeJS.Timeout | null = null;

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
      'x-content-type-options': 'nosniff',
    });
    // The browser reconnects after 2 s when the connection drops (EventSource).
    raw.write('retry: 2000\n: usagehub stream of acknowledged events\n\n');
    raw.on('drain', () => {
      if (this.stall) clearTimeout(this.stall);
      this.stall = null;
      this.reportSkipped();
    });
    raw.on('close', () => this.finish());
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), heartbeatMs);
  }

  events(events: readonly TailEvent[]): void {
    if (this.ended) return;
    if (this.full) {
      this.skipped += events.length;
      this.stall ??= setTimeout(() => this.reply.raw.destroy(), STALLED_AFTER_MS);
      return;
    }
    // Encoded event by event and joined as bytes: Node measures and encodes one string
    // built of a thousand pieces five to ten times slower (V8 flattens it first), which
    // was most of a stream's cost on the main thread (docs/console.md, Performance).
    const parts = events.map((e) => Buffer.from(`id: ${e.eventId}\nevent: usage\ndata: ${e.json}\n\n`));
    this.write(Buffer.concat(parts));
    this.reportSkipped();
  }

  /** Events the reader will not get (the tail jumped ahead): told with the next report. */
  missed(count: number): void {
    this.skipped += count;
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
    if (this.skipped === 0 || this.full) return;
    this.write(`event: skipped\ndata: {"skipped":${this.skipped}}\n\n`);
    this.skipped = 0;
  }

  private get full(): boolean {
    return this.reply.raw.writableLength > MAX_BUFFERED_BYTES;
  }

  private write(chunk: string | Buffer): void {
    if (!this.ended) this.reply.raw.write(chunk);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    if (this.stall) clearTimeout(this.stall);
    for (const l of this.endListeners.splice(0)) l();
  }
}
