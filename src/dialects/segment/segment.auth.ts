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
