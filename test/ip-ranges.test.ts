import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpRangeIndex, parseCidr, type IpRange } from '../src/enrichment/ip-ranges.ts';

const range = (cidr: string, organisation: string): IpRange => ({
  cidr: parseCidr(cidr)!.cidr,
  organisation,
  domain: null,
});

test('lookups find the most specific range, IPv4 and IPv6', () => {
  const index = new IpRangeIndex([
    range('0.0.0.0/0', 'everyone'),
    range('10.0.0.0/8', 'ten'),
    range('10.1.0.0/16', 'ten-one'),
    range('10.1.2.3/32', 'host'),
    range('2001:db8::/32', 'doc'),
    range('2001:db8:1::/48', 'doc-one'),
    range('2001:db8:1:2:3:4:5:6/128', 'doc-host'),
  ]);
  const org = (ip: string) => index.lookup(ip)?.organisation ?? null;
  assert.equal(org('10.2.3.4'), 'ten');
  assert.equal(org('10.1.9.9'), 'ten-one');
  assert.equal(org('10.1.2.3'), 'host');
  assert.equal(org('11.0.0.1'), 'everyone');
  assert.equal(org('::ffff:10.1.2.3'), 'host', 'an IPv4-mapped IPv6 address is its IPv4 address');
  assert.equal(org('2001:db8:5::1'), 'doc');
  assert.equal(org('2001:DB8:1::77'), 'doc-one');
  assert.equal(org('2001:db8:1:2:3:4:5:6'), 'doc-host');
  assert.equal(org('2002::1'), null);
  for (const junk of ['', 'junk', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '01.2.3.4', '1.2.3.4 ']) {
    assert.equal(org(junk) === 'everyone' ? junk : null, null, `${JSON.stringify(junk)} is no address`);
  }
  assert.equal(index.size, 7);
});

test('CIDR blocks are validated and normalised to their network', () => {
  assert.deepEqual(parseCidr('10.1.2.3/8'), { cidr: '10.0.0.0/8', v6: false });
  assert.deepEqual(parseCidr(' 2001:db8:1:2::5/48 '), { cidr: '2001:db8:1::/48', v6: true });
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '2001:db8::/129', 'nope/8', ''])
    assert.equal(parseCidr(bad), null, bad);
});
