import type { Endpoint } from './webhook-types.ts';

/**
 * Receivers for an endpoint with its keys filled in (docs/live.md has the same two,
 * with the keys as environment variables). The keys are the admin's to see: the page
 * that shows these already shows the keys.
 */
export function sdkReceiver(e: Endpoint): string {
  return `// npm install notificare-live-api-node
const http = require('node:http');
const { LiveApi } = require('notificare-live-api-node');
const live = new LiveApi(${JSON.stringify(e.privateKey)}, ${JSON.stringify(e.publicKey)});

http
  .createServer((req, res) => {
    const url = new URL(req.url, 'http://receiver');
    const publicKey = req.headers['x-notificare-public-key'];
    // The verification challenge: answered with the SDK.
    if (req.method === 'GET')
      return res.end(live.httpGateway.verify(publicKey, url.searchParams.get('challenge')));
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (!live.httpGateway.validate(publicKey, body, req.headers['x-notificare-signature']))
        return res.writeHead(401).end();
      const event = JSON.parse(body); // webhook-id makes a repeat recognisable
      console.log(req.headers['webhook-id'], event.type);
      res.end('ok');
    });
  })
  .listen(3000);
`;
}

export function standardWebhooksReceiver(e: Endpoint): string {
  return `// npm install standardwebhooks
const http = require('node:http');
const { createHmac } = require('node:crypto');
const { Webhook } = require('standardwebhooks');
const wh = new Webhook(${JSON.stringify(e.standardWebhooksSecret)});
const privateKey = ${JSON.stringify(e.privateKey)};

http
  .createServer((req, res) => {
    const url = new URL(req.url, 'http://receiver');
    // The verification challenge: the HMAC of the challenge with the private key.
    if (req.method === 'GET')
      return res.end(createHmac('sha256', privateKey).update(url.searchParams.get('challenge')).digest('base64'));
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        const event = wh.verify(body, req.headers); // throws on a bad signature or an old timestamp
        console.log(req.headers['webhook-id'], event.type);
        res.end('ok');
      } catch {
        res.writeHead(401).end();
      }
    });
  })
  .listen(3000);
`;
}
