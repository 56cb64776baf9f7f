/**
 * A request batch as the log takes it: already serialised, so that the log (which may
 * run on another thread or host) never re-encodes events.
 */
export interface EncodedBatch {
  /** The events' dedup keys, 40 hex characters each, concatenated in event order. */
  keys: string;
  /** The events as JSON, one per line (NDJSON), in the same order. */
  docs: string;
}

/** What `append` tells of one request batch. */
export interface Appended {
  /** One byte per event: 1 when new, 0 when its dedup key was already known (earlier, or earlier in the same call). */
  fresh: Uint8Array;
  /**
   * The offset of the log batch that holds this batch's new events, in order; null when
   * none was new, or when the adapter split them over several log batches. Lets this
   * process's live views show what it appended without reading it back (stream/).
   */
  offset: number | null;
}

/** One appended batch as consumers read it back. Only events that were new are in it. */
export interface LogBatch {
  offset: number;
  /** NDJSON: one JSON-serialised UsageEvent per line. */
  docs: string;
  count: number;
}

/** Where one event's document is: its batch's offset and its position in the batch. */
export interface EventRef {
  offset: number;
  index: number;
}

/**
 * EventLog port: the durable, ordered record of accepted events, and their archive.
 *
 * `append` resolves only once its events are durable (committed and synced), and
 * tells which events were new and which were duplicates of events already in the log.
 * Consumers read forward from their own offset and record it with `commitConsumer`.
 * The log keeps every batch: it holds each event's full document (raw payload
 * included), which `docsAt` returns; the store keeps only the columns queries need.
 */
/** The documents one read returns at most (in UTF-16 code units), beyond its first batch. */
export const READ_MAX_CHARS = 64 * 1024 * 1024;

export interface EventLog {
  /** Appends several request batches in one commit (the group commit); tells per batch what became of it. */
  append(batches: readonly EncodedBatch[]): Promise<Appended[]>;
  /**
   * Batches with offsets greater than `after`, oldest first: at most `maxEvents` events and
   * READ_MAX_CHARS of documents (at least one batch), so that what a consumer holds at once
   * is bounded in bytes, not only in events — twenty thousand events of a megabyte each
   * would otherwise be twenty gigabytes.
   */
  read(after: number, maxEvents: number): Promise<LogBatch[]>;
  /** The offset of the newest batch, 0 when the log is empty. */
  head(): Promise<number>;
  /** The documents at `refs`, in the same order. A ref to no event is an error. */
  docsAt(refs: readonly EventRef[]): Promise<string[]>;
  /** Records how far a consumer has durably processed. */
  commitConsumer(name: string, offset: number): Promise<void>;
  consumerOffset(name: string): Promise<number>;
  /**
   * Joins the consumer group `name`. Every batch goes to one member at a time until a
   * member acks it; a batch not acked when its member closes or dies goes out again. So
   * consumers sharing a name split the work, and resume after a crash.
   */
  consumer(name: string): Promise<LogConsumer>;
  close(): Promise<void>;
}

/** One member's share of a consumer group (EventLog.consumer). */
export interface LogConsumer {
  /**
   * Batches for this member, oldest first: waits up to `waitMs` for the first, then
   * takes what is ready, up to about `maxEvents` events. Empty when nothing came.
   */
  next(maxEvents: number, waitMs: number): Promise<LogBatch[]>;
  /** Marks batches as processed: they are not handed out again. */
  ack(batches: readonly LogBatch[]): Promise<void>;
  /** Acks every batch appended so far without handing it out: for a member with nothing to do with them. */
  skip(): Promise<void>;
  /** Leaves the group; batches taken and not acked go out again. */
  close(): Promise<void>;
}

export const KEY_CHARS = 40;

/**
 * The documents at `refs`, for an adapter's `docsAt`: each batch is fetched and split
 * once however many refs point into it. `batchDocs` gives a batch's NDJSON, or null.
 */
export async function docsByRef(
  refs: readonly EventRef[],
  batchDocs: (offset: number) => Promise<string | null> | string | null,
): Promise<string[]> {
  const batches = new Map<number, string[]>();
  const out: string[] = [];
  for (const { offset, index } of refs) {
    let docs = batches.get(offset);
    if (!docs) {
      const text = await batchDocs(offset);
      if (text === null) throw new Error(`no log batch at offset ${offset}`);
      docs = text.split('\n');
      batches.set(offset, docs);
    }
    const doc = docs[index];
    if (doc === undefined) throw new Error(`no event ${index} in log batch ${offset}`);
    out.push(doc);
  }
  return out;
}
