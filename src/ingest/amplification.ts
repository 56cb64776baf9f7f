/**
 * The bound on amplification (DESIGN.md, "What a request may cost"): the documents one
 * request makes usagehub store are at most PER_BYTE times the request's decoded size plus
 * PER_EVENT for each event — the head usagehub derives for every event (tenant, app, times,
 * dedup key, enrichment) is about 400 characters however small the event. Every event
 * carries at least ~30 bytes of its own, so a request stores at most ~50 times what it
 * sent, and usually 2–4 times. PER_BYTE leaves room for what dialects copy into each
 * event on purpose: a Segment batch's `context` of 2 KB is merged into each of a hundred
 * messages of 75 bytes (about 14 times the request). A request past the bound is refused
 * whole (`amplification_limit`) before its documents are built.
 */
export const AMPLIFICATION = { perByte: 16, perEvent: 1024 } as const;

/** The characters of documents a request of `bytes` decoded bytes and `events` events may store. */
export const storeBudget = (bytes: number, events: number): number =>
  AMPLIFICATION.perByte * bytes + AMPLIFICATION.perEvent * events;
