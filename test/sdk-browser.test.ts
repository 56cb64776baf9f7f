/**
 * The browser libraries as product teams ship them, in a real Chromium: a page on another
 * origin loads posthog-js and Analytics.js (@segment/analytics-next) from their npm
 * packages, served by this test as a site would serve them, configured as their docs say
 * with only usagehub's address and a write key. Every call is stored exactly once, the
 * profiles hold the traits, the page's console shows no error and no request fails —
 * the set-up calls (PostHog's flags and remote settings, Segment's settings) included —
 * and what the libraries send with `sendBeacon` as the page goes away arrives too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import type { UsageEvent } from '../src/domain/event.ts';
import type { Profile } from '../src/profiles/profile.ts';
import { adminCall } from './helpers/admin.ts';
import { browserSkip, openBrowser, type TestBrowser } from './helpers/browser.ts';
import { startHub, type TestHub } from './helpers/server.ts';

const require = createRequire(import.meta.url);
const packageFile = (pkg: string, file: string) =>
  path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
/** The builds a site loads with a script tag: posthog-js's full bundle, Analytics.js's standalone one. */
const LIBRARIES: Record<string, string> = {
  '/vendor/posthog.js': packageFile('posthog-js', 'dist/array.full.js'),
  '/vendor/analytics.min.js': packageFile('@segment/analytics-next', 'dist/umd/standalone.js'),
};

/** posthog-js as its docs set it up; it drops events from automated browsers unless told not to. */
const posthogPage = (hub: string, key: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title><link rel="icon" href="data:,">
<script src="/vendor/posthog.js"></script>
<script>
  posthog.init(${JSON.stringify(key)}, { api_host: ${JSON.stringify(hub)}, opt_out_useragent_filter: true });
</script>
</head><body><h1>Shop</h1><a id="away" href="/bye.html">Leave</a></body></html>`;

/**
 * Segment's standard snippet (5.2) as published, with two settings changed: where the
 * site serves analytics.min.js from, and `analytics._cdn`, the address Analytics.js asks
 * for its settings — usagehub's.
 */
const segmentPage = (hub: string, key: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title><link rel="icon" href="data:,">
<script>
  !function(){var i="analytics",analytics=window[i]=window[i]||[];if(!analytics.initialize)if(analytics.invoked)window.console&&console.error&&console.error("Segment snippet included twice.");else{analytics.invoked=!0;analytics.methods=["trackSubmit","trackClick","trackLink","trackForm","pageview","identify","reset","group","track","ready","alias","debug","page","screen","once","off","on","addSourceMiddleware","addIntegrationMiddleware","setAnonymousId","addDestinationMiddleware","register"];analytics.factory=function(e){return function(){if(window[i].initialized)return window[i][e].apply(window[i],arguments);var n=Array.prototype.slice.call(arguments);if(["track","screen","alias","group","page","identify"].indexOf(e)>-1){var c=document.querySelector("link[rel='canonical']");n.push({__t:"bpc",c:c&&c.getAttribute("href")||void 0,p:location.pathname,u:location.href,s:location.search,t:document.title,r:document.referrer})}n.unshift(e);analytics.push(n);return analytics}};for(var n=0;n<analytics.methods.length;n++){var key=analytics.methods[n];analytics[key]=analytics.factory(key)}analytics.load=function(key,n){var t=document.createElement("script");t.type="text/javascript";t.async=!0;t.setAttribute("data-global-segment-analytics-key",i);t.src="/vendor/analytics.min.js";var r=document.getElementsByTagName("script")[0];r.parentNode.insertBefore(t,r);analytics._loadOptions=n};analytics._writeKey=${JSON.stringify(key)};analytics._cdn=${JSON.stringify(hub)};analytics.SNIPPET_VERSION="5.2.0";
  analytics.load(${JSON.stringify(key)});
  analytics.page();
  }}();
</script>
</head><body><h1>Shop</h1><a id="away" href="/bye.html">Leave</a></body></html>`;

/** The site: another origin than usagehub's (localhost against 127.0.0.1). */
async function site(pages: Record<string, string>) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x').pathname;
    const library = LIBRARIES[url];
    if (library) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(fs.readFileSync(library));
    } else if (url in pages || url === '/bye.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(pages[url] ?? '<!doctype html><title>Bye</title><link rel="icon" href="data:,"><p>Bye</p>');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://localhost:${(server.address() as AddressInfo).port}`,
    // The browser keeps its connections open: closed here, or close() would wait for them.
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** What went wrong in the page: console errors and warnings, failed requests, answers of 400 and more. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      problems.push(`console ${m.type()}: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // Navigating away cancels what is in flight; sendBeacon's requests are not among them.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED')
      problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} from ${r.url()}`);
  });
  return problems;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('browser libraries in a page on another origin', { skip: browserSkip }, () => {
  let hub: TestHub;
  let base: string;
  let browser: TestBrowser;

  const events = async (source: string, user: (e: UsageEvent) => boolean): Promise<UsageEvent[]> => {
    await hub.settled();
    const res = await hub.get(`/v1/export?source=${source}`);
    return res.body
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as UsageEvent)
      .filter(user);
  };
  const names = (list: UsageEvent[]) => list.map((e) => e.name).sort();
  const profileOf = (id: string, ready: (p: Profile) => boolean) =>
    until(`the profile of ${id}`, async () => {
      const res = await hub.get(`/v1/users/${encodeURIComponent(id)}`);
      if (res.statusCode !== 200) return undefined;
      const { profile } = res.json<{ profile: Profile }>();
      return ready(profile) ? profile : undefined;
    });

  before(async () => {
    hub = await startHub();
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await hub?.close();
  });

  test('posthog-js: page view, capture, identify with traits, person properties, group, alias, and the page-leave beacon', async () => {
    const { writeKey } = (await adminCall(hub, 'POST', '/v1/sources', { kind: 'posthog', app: 'web' })) as {
      writeKey: string;
    };
    const shop = await site({ '/shop.html': posthogPage(base, writeKey) });
    const page = await browser.context.newPage();
    const problems = watch(page);
    try {
      await page.goto(`${shop.origin}/shop.html`);
      await page.waitForFunction('window.posthog && window.posthog.__loaded === true');
      // What a product's own code calls, as posthog-js documents it.
      await page.evaluate(`
        posthog.capture('pricing viewed', { plan: 'pro' });
        posthog.identify('js-user-1', { plan: 'pro', email: 'ann@initech.com' }, { first_seen_page: '/shop.html' });
        posthog.setPersonProperties({ theme: 'dark' });
        posthog.people.set({ seats: 3 });
        posthog.group('company', 'initech', { name: 'Initech', employees: 40 });
        posthog.alias('legacy-42');
        posthog.capture('checkout started');
      `);
      // Leaving the page: posthog-js sends $pageleave, and what it still holds, with sendBeacon.
      await page.click('#away');
      await page.waitForURL('**/bye.html');
      const mine = await until('the posthog-js events', async () => {
        const list = await events(
          'posthog',
          (e) => ['js-user-1', 'legacy-42'].includes(e.actor.userId ?? '') || e.name === '$pageleave',
        );
        return list.some((e) => e.name === '$pageleave') && list.some((e) => e.name === 'checkout started')
          ? list
          : undefined;
      });
      const all = await events('posthog', () => true);
      const counted = (n: string) => all.filter((e) => e.name === n).length;
      for (const name of [
        '$pageview',
        'pricing viewed',
        '$identify',
        '$groupidentify',
        '$create_alias',
        'checkout started',
        '$pageleave',
      ])
        assert.equal(counted(name), 1, `${name} stored exactly once (stored: ${names(all).join(', ')})`);
      assert.equal(new Set(all.map((e) => e.clientId)).size, all.length, 'each event once, by its uuid');
      assert.ok(mine.length > 0);

      const profile = await profileOf(
        'js-user-1',
        (p) => p.traits.seats === 3 && p.aliases.length > 0 && 'theme' in p.traits,
      );
      assert.equal(profile.traits.plan, 'pro');
      assert.equal(profile.traits.email, 'ann@initech.com');
      assert.equal(profile.traits.first_seen_page, '/shop.html');
      assert.equal(profile.traits.theme, 'dark');
      assert.equal(profile.groups.company, 'initech');
      assert.deepEqual(profile.aliases, ['legacy-42']);
      assert.ok(
        profile.anonymousIds.length > 0,
        'the anonymous id before identify is one person with js-user-1',
      );
      const group = await until('the group', async () => {
        const res = await hub.get('/v1/groups/company/initech');
        return res.statusCode === 200
          ? res.json<{ group: { properties: Record<string, unknown> } }>().group
          : undefined;
      });
      assert.deepEqual(group.properties, { name: 'Initech', employees: 40 });
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
      await shop.close();
    }
  });

  test('Analytics.js with the standard snippet: settings from usagehub, page, track, identify, group, alias, and a track as the visitor leaves', async () => {
    const { writeKey } = (await adminCall(hub, 'POST', '/v1/sources', { kind: 'segment', app: 'web' })) as {
      writeKey: string;
    };
    // Every page of the site loads Analytics.js, the next one too.
    const shop = await site({
      '/shop.html': segmentPage(base, writeKey),
      '/bye.html': segmentPage(base, writeKey),
    });
    const page = await browser.context.newPage();
    const problems = watch(page);
    const asked: string[] = [];
    page.on('request', (r) => asked.push(r.url()));
    try {
      await page.goto(`${shop.origin}/shop.html`);
      await page.waitForFunction('window.analytics && window.analytics.initialized === true');
      await page.evaluate(`(async () => {
        await analytics.track('Pricing Viewed', { plan: 'pro' });
        await analytics.identify('sg-user-1', { plan: 'pro', email: 'bo@hooli.com' });
        await analytics.group('org-7', { name: 'Hooli', industry: 'tech' });
        await analytics.alias('sg-user-1', 'sg-legacy-9');
      })()`);
      // A track as the visitor leaves (a click on a link): what Analytics.js could not send
      // before the page went, it keeps in the page's storage and sends from the next page.
      await page.evaluate(
        `document.getElementById('away').addEventListener('click', () => analytics.track('Leave Clicked'))`,
      );
      await page.click('#away');
      await page.waitForURL('**/bye.html');
      await page.waitForFunction('window.analytics && window.analytics.initialized === true');
      assert.ok(
        asked.includes(`${base}/v1/projects/${writeKey}/settings`),
        `settings asked of usagehub (asked: ${asked.join(' ')})`,
      );
      assert.ok(
        asked.every((u) => u.startsWith(shop.origin) || u.startsWith(base)),
        `nothing asked elsewhere: ${asked.join(' ')}`,
      );
      const all = await until('the Analytics.js events', async () => {
        const list = await events('segment', () => true);
        const pages = list.filter((e) => e.name === 'page').length;
        return list.some((e) => e.name === 'Leave Clicked') && pages >= 2 ? list : undefined;
      }).catch((err: Error) => {
        throw new Error(`${err.message}; the page: ${problems.join('; ')}; asked: ${asked.join(' ')}`);
      });
      const counts = Object.fromEntries(
        ['page', 'Pricing Viewed', 'identify', 'group', 'alias', 'Leave Clicked'].map((n) => [
          n,
          all.filter((e) => e.name === n).length,
        ]),
      );
      assert.deepEqual(
        counts,
        { page: 2, 'Pricing Viewed': 1, identify: 1, group: 1, alias: 1, 'Leave Clicked': 1 },
        `each stored exactly once, a page view per page (stored: ${names(all).join(', ')})`,
      );
      const profile = await profileOf('sg-user-1', (p) => p.aliases.length > 0 && 'email' in p.traits);
      assert.equal(profile.traits.plan, 'pro');
      assert.equal(profile.traits.email, 'bo@hooli.com');
      assert.equal(profile.groups.group, 'org-7');
      const group = await until('the group', async () => {
        const res = await hub.get('/v1/groups/group/org-7');
        return res.statusCode === 200
          ? res.json<{ group: { properties: Record<string, unknown> } }>().group
          : undefined;
      });
      assert.deepEqual(group.properties, { name: 'Hooli', industry: 'tech' });
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
      await shop.close();
    }
  });
});
