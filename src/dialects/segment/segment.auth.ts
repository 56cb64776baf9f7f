/**
 * Where a Segment client puts its write key: HTTP Basic with the key as the user name and
 * an empty password (`base64("KEY:")`; some clients leave out the colon), or `writeKey`
 * in the body (the browser library, which cannot set headers on a beacon).
 */
export function writeKeyOf(authorization: string | undefined, body: unknown): string | null {
  if (authorization) {
    const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(authorization);
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
      if (user !== '') return user;
    }
  }
  const inBody =
    body !== null && typeof body === 'object' ? (body as { writeKey?: unknown }).writeKey : undefined;
  return typeof inBody === 'string' && inBody !== '' ? inBody : null;
}

/** `"writeKey": "…"` as a client writes it into a body: found in the text, before any parse. */
const WRITE_KEY_IN_TEXT = /"writeKey"\s*:\s*"([^"\\]{1,200})"/;

/**
 * The write key a body's text names, found by one search of the text rather than a
 * parse, so that a request's key is checked before usagehub parses it. A match may sit
 * inside a message rather than at the top of the body: the key is checked again on the
 * parsed body, and what the search found only decides whether the parse happens at all.
 */
export function writeKeyInText(text: string): string | null {
  return WRITE_KEY_IN_TEXT.exec(text)?.[1] ?? null;
}
