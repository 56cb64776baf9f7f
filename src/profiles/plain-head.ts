/**
 * What a document tells the profiles, read off its text when it tells nothing but who
 * did it: most events (every native, push, sessions, aggregated and hits event, SDK
 * tracks, pages and screens) name a person and set no trait, group or alias. For those,
 * the update depends only on the tenant, the actor's ids and the company, and the
 * worker skips the event without parsing it when it has seen the same three, for the
 * same person, at an earlier time (profiles.worker.ts).
 *
 * The text is a document written by eventDoc (log/event-doc.ts): `{"tenantId":…` first,
 * then `source`, `name`, the times, `actor` — an object of strings only — and `session`,
 * and later in the head `context` with `company`. Inside a JSON string a quote is always
 * escaped, so a key found with its quotes is a key. A value that holds a backslash, or a
 * layout that differs, gives null: the worker then parses the document as before.
 */
export interface PlainHead {
  /** Tenant, the actor object's text and the company: equal for events that say the same of a person. */
  signature: string;
  occurredAt: number;
}

const SDK_PROFILE_NAMES: Record<string, readonly string[]> = {
  segment: ['identify', 'alias', 'group'],
  posthog: ['$identify', '$groupidentify', '$create_alias'],
};

/** The string value that starts at `from` (just past its opening quote), or null if it is escaped. */
function plainString(text: string, from: number): string | null {
  const end = text.indexOf('"', from);
  if (end === -1) return null;
  const value = text.slice(from, end);
  return value.includes('\\') ? null : value;
}

/** Reads `"key":"value"` at or after `from` in `text`, before `before`. */
function field(text: string, key: string, from: number, before: number): string | null | undefined {
  const at = text.indexOf(key, from);
  if (at === -1 || at >= before) return undefined;
  return plainString(text, at + key.length);
}

/**
 * The plain head of a document, or null when it may say more than who did it, or
 * cannot be read off its text. `cut` is where its head ends (`,"properties":`).
 */
export function plainHead(doc: string, cut: number): PlainHead | null {
  if (cut === -1 || !doc.startsWith('{"tenantId":"')) return null;
  const tenant = plainString(doc, 13);
  const source = field(doc, ',"source":"', 13, cut);
  const name = field(doc, ',"name":"', 13, cut);
  if (!tenant || !source || name === undefined || name === null) return null;
  const special = SDK_PROFILE_NAMES[source];
  if (special?.includes(name)) return null;
  // A PostHog capture may set traits in its properties (profile-update.ts).
  if (
    source === 'posthog' &&
    (doc.includes('"$set', cut) || doc.includes('"$unset"', cut) || doc.includes('"$groups"', cut))
  )
    return null;
  const times = doc.indexOf(',"occurredAt":', 13);
  const actor = doc.indexOf(',"actor":{', 13);
  const session = doc.indexOf(',"session":', actor);
  if (times === -1 || actor === -1 || session === -1 || session > cut) return null;
  const occurredAt = Number(doc.slice(times + 14, doc.indexOf(',', times + 14)));
  if (!Number.isFinite(occurredAt)) return null;
  const company = field(doc, '"company":"', session, cut);
  if (company === null) return null;
  return {
    signature: `${tenant}\0${doc.slice(actor + 9, session)}\0${company ?? ''}`,
    occurredAt,
  };
}
