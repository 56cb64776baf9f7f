/**
 * npm run docs:screenshots — the console's pictures in docs/ (console-*.png), taken of a
 * usagehub holding a week of made-up usage from several dialects, and a webhook
 * endpoint whose receiver failed for a while, in Debian's Chromium.
 */
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { adminCall } from '../test/helpers/admin.ts';
import { openBrowser } from '../test/helpers/browser.ts';
import { Receiver } from '../test/helpers/scripted-receiver.ts';
import { startHub } from '../test/helpers/server.ts';

const DOCS = path.resolve(import.meta.dirname, '../docs');
const NAMES = ['opened_file', 'searched', 'login', 'shared_link', 'exported_pdf'];
const USERS = ['ann', 'bob', 'carol', 'dan', 'eve', 'frank', 'grace', 'heidi'];
const HOUR = 3600_000;

const hub = await startHub({
  liveAllowAddresses: '127.0.0.0/8',
  liveTimeoutMs: 1000,
  liveFailingAfterSeconds: 1,
});
const receiver = new Receiver();
const receiverUrl = await receiver.start();
try {
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
  const now = Date.now();
  // A week of native events, busier in working hours, a little growth day over day.
  let id = 0;
  for (let h = 7 * 24; h > 0; h--) {
    const t = now - h * HOUR;
    const hourOfDay = new Date(t).getUTCHours();
    const n = Math.round((hourOfDay >= 8 && hourOfDay < 18 ? 24 : 5) * (1 + (7 * 24 - h) / 400));
    const events = Array.from({ length: n }, (_, i) => ({
      id: `demo-${id++}`,
      app: 'web',
      name: NAMES[(i * 7 + h) % NAMES.length],
      timestamp: t + i * 1000,
      email: `${USERS[(i * 3 + h) % USERS.length]}@example.com`,
      properties: { plan: i % 3 ? 'pro' : 'free', file: `report-${i % 12}.pdf` },
    }));
    const res = await hub.send(events);
    if (res.statusCode !== 200) throw new Error(res.body);
  }
  // And the Segment SDK's events, the last two days.
  const { writeKey } = (await adminCall(hub, 'POST', '/v1/sources', { kind: 'segment', app: 'web' })) as {
    writeKey: string;
  };
  for (let h = 48; h > 0; h--) {
    const batch = Array.from({ length: 12 }, (_, i) => ({
      type: 'track',
      event: i % 2 ? 'Video Played' : 'Signed Up',
      userId: USERS[(i + h) % USERS.length],
      messageId: `seg-${h}-${i}`,
      timestamp: new Date(now - h * HOUR + i * 60_000).toISOString(),
      properties: { title: `Lesson ${i % 4}` },
    }));
    await hub.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
      payload: { batch },
    });
  }
  await hub.settled();
  const endpointId = await webhookWithHistory();
  const browser = await openBrowser({ width: 1280, height: 800 });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('API key').fill(hub.readKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(`${base}/?range=7d`);
    await page.locator('.chart [data-drawn="true"]').first().waitFor();
    await page.screenshot({ path: path.join(DOCS, 'console-overview.png'), fullPage: true });
    await page.goto(`${base}/events?range=7d&user=carol@example.com`);
    await page.locator('table.events tbody tr').first().waitFor();
    await page.locator('table.events tbody tr').first().getByRole('link').first().click();
    await page.getByRole('complementary', { name: 'Event' }).locator('pre').waitFor();
    await page.screenshot({ path: path.join(DOCS, 'console-events.png') });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').fill(hub.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(`${base}/webhooks/${endpointId}?range=1h&failed=1`);
    await page.locator('.chart [data-drawn="true"]').first().waitFor();
    await page.locator('table.attempts tbody tr.failed').first().getByRole('button').click();
    await page.getByRole('complementary', { name: 'Delivery' }).locator('details[open]').waitFor();
    await page.evaluate('scrollTo(0, 0)');
    await page.screenshot({
      path: path.join(DOCS, 'console-webhook.png'),
      fullPage: true,
      clip: { x: 0, y: 0, width: 1280, height: 1500 },
    });
  } finally {
    await browser.close();
  }
  console.log(`wrote ${DOCS}/console-overview.png, console-events.png and console-webhook.png`);
} finally {
  await hub.close();
  await receiver.stop();
}

/**
 * An endpoint verified with the receiver, which then fails for a few events (its retries
 * pile up) and recovers: what the webhook page is for. Returns the endpoint's id.
 */
async function webhookWithHistory(): Promise<string> {
  const e = (await adminCall(hub, 'POST', '/v1/live/endpoints', {
    url: receiverUrl,
    description: 'crm sync',
    filters: ['usagehub.event.native.*'],
  })) as { id: string; publicKey: string; privateKey: string };
  receiver.keys = { publicKey: e.publicKey, privateKey: e.privateKey };
  await adminCall(hub, 'POST', `/v1/live/endpoints/${e.id}/verify`);
  const send = (from: number, n: number) =>
    hub.send(
      Array.from({ length: n }, (_, i) => ({
        id: `hook-${from + i}`,
        app: 'web',
        name: NAMES[i % NAMES.length],
        timestamp: Date.now(),
        email: `${USERS[i % USERS.length]}@example.com`,
      })),
    );
  await send(0, 20);
  await until(() => receiver.posts.length >= 20);
  receiver.behave = (_n, res) => {
    res.writeHead(503, { 'content-type': 'text/plain' }).end('crm is down for maintenance');
    return true;
  };
  await send(20, 6);
  await until(() => receiver.posts.length >= 20 + 18); // three rounds of failures
  receiver.behave = () => false;
  await send(26, 10);
  return e.id;
}

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
}
