// Attacker test for issue 11 finding 8 (URL guard): whoever writes an McpGateway chooses the URLs
// the proxy calls. Addresses that are private in disguise (IPv4 inside IPv6: mapped, compatible,
// NAT64, 6to4 — URL parsing turns [::ffff:10.0.0.1] into [::ffff:a00:1], which the old guard took for
// public) and ranges that are never an upstream (multicast, broadcast, reserved, documentation) must
// not pass. Table-driven: every row is a literal URL host and, separately, a DNS answer.
import { describe, expect, it } from 'vitest';
import { checkOutboundUrl, type UrlPolicy } from '../../../src/proxy/oauth/index.ts';

type Expect = 'public' | 'private' | 'loopback' | 'special';

const TABLE: ReadonlyArray<readonly [string, Expect, string]> = [
  // IPv4
  ['93.184.216.34', 'public', 'a public address'],
  ['10.1.2.3', 'private', 'RFC 1918'],
  ['169.254.169.254', 'private', 'cloud metadata (link-local)'],
  ['100.64.0.1', 'private', 'CGNAT'],
  ['127.0.0.1', 'loopback', 'loopback'],
  ['0.0.0.0', 'loopback', '"this host" (Linux connects it to loopback)'],
  ['224.0.0.251', 'special', 'multicast (mDNS)'],
  ['239.255.255.250', 'special', 'multicast (SSDP)'],
  ['255.255.255.255', 'special', 'limited broadcast'],
  ['240.0.0.1', 'special', 'reserved 240/4'],
  ['192.0.2.10', 'special', 'documentation TEST-NET-1'],
  ['198.51.100.10', 'special', 'documentation TEST-NET-2'],
  ['203.0.113.10', 'special', 'documentation TEST-NET-3'],
  ['192.88.99.1', 'special', '6to4 relay anycast'],
  // IPv6 carrying IPv4
  ['::ffff:10.0.0.1', 'private', 'IPv4-mapped, dotted'],
  ['::ffff:a00:1', 'private', 'IPv4-mapped, hex (what URL parsing produces)'],
  ['::ffff:7f00:1', 'loopback', 'IPv4-mapped loopback'],
  ['::ffff:a9fe:a9fe', 'private', 'IPv4-mapped cloud metadata'],
  ['::ffff:5db8:d822', 'public', 'IPv4-mapped public'],
  ['::10.0.0.1', 'private', 'IPv4-compatible (deprecated)'],
  ['::a9fe:a9fe', 'private', 'IPv4-compatible cloud metadata'],
  ['64:ff9b::10.0.0.1', 'private', 'NAT64 to a private address'],
  ['64:ff9b::a9fe:a9fe', 'private', 'NAT64 to cloud metadata'],
  ['64:ff9b::7f00:1', 'loopback', 'NAT64 to loopback'],
  ['64:ff9b::5db8:d822', 'public', 'NAT64 to a public address (IPv6-only clusters keep working)'],
  ['64:ff9b:1::a00:1', 'private', 'local-use NAT64'],
  ['2002:a00:1::1', 'private', '6to4 of 10.0.0.1'],
  ['2002:a9fe:a9fe::1', 'private', '6to4 of cloud metadata'],
  ['2002:7f00:1::', 'loopback', '6to4 of loopback'],
  // IPv6
  ['2606:4700::1111', 'public', 'a public address'],
  ['::1', 'loopback', 'loopback'],
  ['::', 'loopback', 'unspecified'],
  ['fd00::1', 'private', 'unique local'],
  ['fe80::1', 'private', 'link-local'],
  ['ff02::1', 'special', 'multicast'],
  ['ff05::2', 'special', 'multicast (site)'],
  ['2001:db8::1', 'special', 'documentation'],
  ['3fff::1', 'special', 'documentation (RFC 9637)'],
  ['100::1', 'special', 'discard-only'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'special', 'Teredo'],
];

const REASON: Record<Exclude<Expect, 'public'>, RegExp> = {
  private: /private or link-local/,
  loopback: /loopback address/,
  special: /special-purpose address/,
};

async function refusal(url: string, policy: UrlPolicy): Promise<string | undefined> {
  return checkOutboundUrl(url, policy, 'spec.url').then(() => undefined, (e: Error) => e.message);
}

describe('attacker: URL guard address ranges', () => {
  it.each(TABLE)('%s (%s: %s) as a URL host literal', async (address, kind) => {
    const host = address.includes(':') ? `[${address}]` : address;
    const result = await refusal(`https://${host}/mcp`, {});
    if (kind === 'public') expect(result).toBeUndefined();
    else expect(result).toMatch(REASON[kind]);
  });

  it.each(TABLE)('%s (%s: %s) as a DNS answer', async (address, kind) => {
    const result = await refusal('https://upstream.example.com/mcp', { resolve: async () => [address] });
    if (kind === 'public') expect(result).toBeUndefined();
    else expect(result).toMatch(REASON[kind]);
  });

  it('special-purpose ranges stay refused with allowPrivateNetwork and allowLoopback; private and loopback open as configured', async () => {
    const open: UrlPolicy = { allowPrivateNetwork: true, allowLoopback: true };
    for (const [address, kind] of TABLE) {
      const result = await refusal('https://upstream.example.com/mcp', { ...open, resolve: async () => [address] });
      if (kind === 'special') expect(result, address).toMatch(REASON.special);
      else expect(result, address).toBeUndefined();
    }
  });
});
