/** The ProfileStore conformance suite (profiles/profile-store.port.ts), with the merge rules of profiles/merge.ts. */
import assert from 'node:assert/strict';
import type { ProfileUpdate } from '../../src/profiles/profile.ts';
import type { ProfileStore } from '../../src/profiles/profile-store.port.ts';
import { registryTest, type RegistryFactory } from './registry-suite.ts';

const T0 = Date.UTC(2026, 10, 1);

export function profileStoreConformance(name: string, factory: RegistryFactory<ProfileStore>): void {
  const update = (tenantId: string, o: Partial<ProfileUpdate>): ProfileUpdate => ({
    tenantId,
    at: T0,
    key: `k${Math.random()}`,
    userIds: [],
    anonymousIds: [],
    emails: [],
    aliases: [],
    set: {},
    setOnce: {},
    unset: [],
    groups: {},
    company: null,
    ...o,
  });

  registryTest(
    `${name}: people by any id, traits by event time, set_once first`,
    factory,
    async (s, t, reopen) => {
      const u = (o: Partial<ProfileUpdate>) => update(t, o);
      await s.apply([
        u({
          userIds: ['u1'],
          emails: ['ann@acme.com'],
          set: { plan: 'free', seats: 1 },
          at: T0 + 10,
          key: 'e1',
        }),
        u({ userIds: ['u1'], set: { plan: 'pro' }, at: T0 + 20, key: 'e2' }),
        // An older event arriving later does not win.
        u({ userIds: ['u1'], set: { plan: 'trial' }, at: T0 + 5, key: 'e3' }),
        u({ userIds: ['u1'], setOnce: { source: 'ad' }, at: T0 + 30, key: 'e4' }),
        u({ userIds: ['u1'], setOnce: { source: 'seo' }, at: T0 + 40, key: 'e5' }),
        u({ userIds: ['u1'], groups: { company: 'acme' }, company: 'acme.com', at: T0 + 50, key: 'e6' }),
      ]);
      const p = await s.find(t, 'ann@acme.com');
      assert.ok(p);
      assert.deepEqual(p.userIds, ['u1']);
      assert.equal(p.traits.plan?.value, 'pro');
      assert.equal(p.traits.seats?.value, 1);
      assert.equal(p.traits.source?.value, 'ad', 'set_once keeps the first');
      assert.equal(p.groups.company?.value, 'acme');
      assert.equal(p.company?.value, 'acme.com');
      assert.equal(p.firstSeenAt, T0 + 5);
      assert.deepEqual(await s.find(t, p.id), p, 'by its person id too');
      assert.equal(await s.find('ten_other', 'u1'), null, 'another tenant does not see it');
      assert.deepEqual(await (await reopen()).find(t, 'u1'), p);
    },
  );

  registryTest(
    `${name}: every person of every tenant, paged by tenant and id`,
    factory,
    async (s, t, _r, catalog) => {
      const other = (await catalog.createTenant('other')).id;
      const people = [
        update(t, { userIds: ['a'], key: 'p1' }),
        update(t, { userIds: ['b'], key: 'p2' }),
        update(other, { userIds: ['c'], key: 'p3' }),
      ];
      await s.apply(people);
      const seen: string[] = [];
      let after: { tenantId: string; id: string } | null = null;
      for (let page = await s.page(after, 2); page.length > 0; page = await s.page(after, 2)) {
        seen.push(...page.map((p) => `${p.tenantId === t ? 't' : 'o'}:${p.userIds.join(',')}`));
        after = { tenantId: page[page.length - 1]!.tenantId, id: page[page.length - 1]!.id };
      }
      assert.equal(seen.length, 3);
      assert.deepEqual([...seen].sort(), ['o:c', 't:a', 't:b']);
    },
  );

  registryTest(`${name}: $unset removes a trait set before it, in any order`, factory, async (s, t) => {
    const u = (o: Partial<ProfileUpdate>) => update(t, o);
    await s.apply([
      u({ userIds: ['u9'], set: { plan: 'pro', seats: 3 }, at: T0 + 10, key: 'f1' }),
      u({ userIds: ['u9'], unset: ['plan', 'beta'], at: T0 + 20, key: 'f2' }),
    ]);
    // Applied after the removal but older than it: stays removed.
    await s.apply([u({ userIds: ['u9'], set: { plan: 'team', beta: true }, at: T0 + 15, key: 'f3' })]);
    let p = await s.find(t, 'u9');
    assert.ok(p);
    assert.equal(p.traits.plan?.gone, true);
    assert.equal(p.traits.beta?.gone, true);
    assert.equal(p.traits.seats?.value, 3);
    assert.deepEqual(
      await s.search({ tenantId: t, trait: 'plan', limit: 10 }),
      [],
      'a removed trait is not found',
    );
    await s.apply([u({ userIds: ['u9'], set: { plan: 'enterprise' }, at: T0 + 30, key: 'f4' })]);
    p = await s.find(t, 'u9');
    assert.equal(p?.traits.plan?.value, 'enterprise', 'set again after the removal');
    assert.equal(p?.traits.plan?.gone, undefined);
    assert.equal((await s.search({ tenantId: t, trait: 'plan', value: 'enterprise', limit: 10 })).length, 1);
  });

  registryTest(`${name}: groups by type and key, properties by event time`, factory, async (s, t, reopen) => {
    const g = (at: number, set: Record<string, unknown>, key = 'acme') => ({
      tenantId: t,
      type: 'company',
      key,
      at,
      set,
    });
    await s.applyGroups([g(T0 + 10, { name: 'Acme', seats: 5 }), g(T0 + 30, { seats: 9 })]);
    // Older, applied later: loses; a replay changes nothing.
    await s.applyGroups([g(T0 + 20, { seats: 7, plan: 'pro' }), g(T0 + 10, { name: 'Acme', seats: 5 })]);
    await s.applyGroups([g(T0 + 5, { name: 'Globex' }, 'globex')]);
    const acme = await s.findGroup(t, 'company', 'acme');
    assert.ok(acme);
    assert.equal(acme.properties.name?.value, 'Acme');
    assert.equal(acme.properties.seats?.value, 9);
    assert.equal(acme.properties.plan?.value, 'pro');
    assert.equal(acme.firstSeenAt, T0 + 10);
    assert.equal(acme.updatedAt, T0 + 30);
    assert.equal((await s.findGroup(t, 'company', 'globex'))?.properties.name?.value, 'Globex');
    assert.equal(await s.findGroup(t, 'organization', 'acme'), null, 'the type is part of its name');
    assert.equal(await s.findGroup('ten_other', 'company', 'acme'), null, 'another tenant does not see it');
    assert.deepEqual(await (await reopen()).findGroup(t, 'company', 'acme'), acme);
  });

  registryTest(`${name}: an alias merges two people into the one seen first`, factory, async (s, t) => {
    const u = (o: Partial<ProfileUpdate>) => update(t, o);
    await s.apply([u({ anonymousIds: ['anon-1'], set: { theme: 'dark' }, at: T0, key: 'a' })]);
    await s.apply([u({ userIds: ['u2'], set: { plan: 'pro' }, at: T0 + 100, key: 'b' })]);
    assert.notEqual((await s.find(t, 'anon-1'))?.id, (await s.find(t, 'u2'))?.id);
    await s.apply([u({ userIds: ['u2'], aliases: ['anon-1'], at: T0 + 200, key: 'c' })]);
    const merged = await s.find(t, 'u2');
    assert.ok(merged);
    assert.equal((await s.find(t, 'anon-1'))?.id, merged.id);
    assert.deepEqual(merged.anonymousIds, ['anon-1']);
    assert.deepEqual(merged.aliases, ['anon-1']);
    assert.equal(merged.traits.theme?.value, 'dark');
    assert.equal(merged.traits.plan?.value, 'pro');
    assert.equal(merged.firstSeenAt, T0);
  });

  registryTest(`${name}: changes in the outbox once; a replay records none`, factory, async (s, t) => {
    const batch = [
      update(t, { userIds: ['u3'], at: T0, key: 'x1' }),
      update(t, { userIds: ['u3'], set: { plan: 'pro' }, at: T0 + 1, key: 'x2' }),
      update(t, { userIds: ['u3'], set: { plan: 'pro' }, at: T0 + 2, key: 'x3' }),
    ];
    const first = await s.apply(batch);
    assert.equal(first.recorded, 2);
    assert.deepEqual(
      first.persons.map((p) => p.userIds),
      [['u3']],
      'the people it touched, as they now stand',
    );
    assert.equal((await s.apply(batch)).recorded, 0, 'the same events again change nothing');
    const all = await s.pending(10);
    const pending = all.filter((c) => c.kind === 'live');
    assert.deepEqual(
      pending.map((c) => c.type),
      ['usagehub.user.Created', 'usagehub.user.Changed'],
    );
    assert.equal(pending[1]?.profile.traits.plan, 'pro');
    await s.settle(all.map((c) => c.id));
    assert.deepEqual(await s.pending(10), []);
  });

  registryTest(`${name}: search by trait, and by its value, in id order`, factory, async (s, t) => {
    await s.apply(
      ['a', 'b', 'c', 'd'].map((id, i) =>
        update(t, {
          userIds: [id],
          set: i < 3 ? { plan: i === 1 ? 'free' : 'pro', vip: i === 0 } : {},
          key: id,
        }),
      ),
    );
    const pro = await s.search({ tenantId: t, trait: 'plan', value: 'pro', limit: 10 });
    assert.deepEqual(pro.map((p) => p.userIds[0]).sort(), ['a', 'c']);
    const any = await s.search({ tenantId: t, trait: 'plan', limit: 2 });
    assert.equal(any.length, 2);
    const rest = await s.search({ tenantId: t, trait: 'plan', limit: 2, after: any[1]!.id });
    assert.equal(rest.length, 1);
    assert.deepEqual(
      (await s.search({ tenantId: t, trait: 'vip', value: 'true', limit: 5 })).map((p) => p.userIds[0]),
      ['a'],
    );
    assert.deepEqual(await s.search({ tenantId: 'ten_other', trait: 'plan', limit: 5 }), []);
  });
}
