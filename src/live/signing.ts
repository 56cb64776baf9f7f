import { createHmac, randomBytes } from 'node:crypto';

/**
 * The signatures of the Live API. The private key is the HMAC key as text, as the
 * receiver SDK (`notificare-live-api-node`) uses it: `httpGateway.verify(publicKey,
 * challenge)` and `httpGateway.validate(publicKey, body, signature)` compute the same.
 */
export const hmacBase64 = (privateKey: string, message: string | Buffer): string =>
  createHmac('sha256', privateKey).update(message).digest('base64');

/** A key pair: the public key names the endpoint, the private key signs. */
export function newKeyPair(): { publicKey: string; privateKey: string } {
  return {
    publicKey: `pk_${randomBytes(16).toString('hex')}`,
    privateKey: randomBytes(32).toString('base64url'),
  };
}

/**
 * The endpoint's secret in the Standard Webhooks form, `whsec_` + base64 of the key's
 * bytes, as the `standardwebhooks` and `svix` libraries take it: `new Webhook(secret)`
 * decodes it to the private key's UTF-8 bytes — the very HMAC key the signatures use.
 * Derived, not stored: it rotates with the keys.
 */
export const standardWebhooksSecret = (privateKey: string): string =>
  `whsec_${Buffer.from(privateKey, 'utf8').toString('base64')}`;

/**
 * Standard Webhooks signature: `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`,
 * keyed with the bytes of the endpoint's `whsec_` secret (the private key's bytes).
 */
export function standardSignature(privateKey: string, id: string, timestampS: number, body: string): string {
  return `v1,${hmacBase64(privateKey, `${id}.${timestampS}.${body}`)}`;
}

/** The headers of one delivery attempt. `webhook-id` is stable across retries. */
export function deliveryHeaders(
  endpoint: { publicKey: string; privateKey: string },
  webhookId: string,
  body: string,
  nowMs: number,
): Record<string, string> {
  const ts = Math.floor(nowMs / 1000);
  return {
    'content-type': 'application/json',
    'x-notificare-public-key': endpoint.publicKey,
    'x-notificare-signature': hmacBase64(endpoint.privateKey, body),
    'webhook-id': webhookId,
    'webhook-timestamp': String(ts),
    'webhook-signature': standardSignature(endpoint.privateKey, webhookId, ts, body),
  };
}
