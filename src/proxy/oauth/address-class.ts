/**
 * What kind of address an IP literal is, for the outbound URL guard (url-guard.ts):
 *
 * - `loopback`: 127.0.0.0/8, ::1, and 0.0.0.0/8 / :: (Linux connects "this host" to loopback).
 * - `private`: RFC 1918, CGNAT 100.64/10, link-local 169.254/16 (cloud metadata) and fe80::/10,
 *   unique-local fc00::/7, IETF protocol assignments 192.0.0.0/24, benchmarking 198.18/15, local-use
 *   NAT64 64:ff9b:1::/48.
 * - `special`: never a unicast host on the internet — multicast (224/4, ff00::/8), reserved 240/4
 *   and broadcast 255.255.255.255, documentation (192.0.2/24, 198.51.100/24, 203.0.113/24,
 *   2001:db8::/32, 3fff::/20), the 6to4 relay anycast 192.88.99/24, the rest of ::/96, discard 100::/64, Teredo and
 *   the other IETF assignments 2001::/23, SRv6 SIDs 5f00::/16.
 * - `public`: everything else.
 *
 * An IPv4 address embedded in IPv6 is judged as that IPv4 address, whatever the spelling (URL
 * parsing turns `[::ffff:10.0.0.1]` into `[::ffff:a00:1]`): IPv4-mapped ::ffff:0:0/96,
 * IPv4-compatible ::/96, NAT64 64:ff9b::/96 (RFC 6052) and 6to4 2002::/16 (RFC 3056). So NAT64 to a
 * public host still works in an IPv6-only cluster, and none of them reaches a private one.
 */
import { BlockList, isIP } from 'node:net';

export type AddressClass = 'loopback' | 'private' | 'special' | 'public';

function list(family: 'ipv4' | 'ipv6', ranges: ReadonlyArray<readonly [string, number]>): BlockList {
  const blocks = new BlockList();
  for (const [net, prefix] of ranges) blocks.addSubnet(net, prefix, family);
  return blocks;
}

const V4 = {
  loopback: list('ipv4', [['127.0.0.0', 8], ['0.0.0.0', 8]]),
  private: list('ipv4', [['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['192.0.0.0', 24], ['198.18.0.0', 15]]),
  special: list('ipv4', [['224.0.0.0', 4], ['240.0.0.0', 4], ['192.0.2.0', 24], ['198.51.100.0', 24], ['203.0.113.0', 24], ['192.88.99.0', 24]]),
};
const V6 = {
  loopback: list('ipv6', [['::1', 128], ['::', 128]]),
  private: list('ipv6', [['fc00::', 7], ['fe80::', 10], ['64:ff9b:1::', 48]]),
  special: list('ipv6', [['::', 96], ['ff00::', 8], ['2001:db8::', 32], ['3fff::', 20], ['100::', 64], ['2001::', 23], ['5f00::', 16]]),
};

function classifyV4(address: string): AddressClass {
  if (V4.loopback.check(address, 'ipv4')) return 'loopback';
  if (V4.private.check(address, 'ipv4')) return 'private';
  if (V4.special.check(address, 'ipv4')) return 'special';
  return 'public';
}

/** The eight 16-bit groups of an IPv6 literal (with `::` and a trailing dotted quad expanded). */
function groups(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16));
}

function v4Of(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** The IPv4 address an IPv6 literal carries (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIPv4(address: string): string | undefined {
  const g = groups(address);
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && g[5] === 0xffff) return v4Of(g[6]!, g[7]!); // ::ffff:a.b.c.d
  if (zero(0, 6) && g[6] !== 0) return v4Of(g[6]!, g[7]!); // ::a.b.c.d (::0.0.x.x is ::, ::1 or reserved)
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return v4Of(g[6]!, g[7]!); // 64:ff9b::/96
  if (g[0] === 0x2002) return v4Of(g[1]!, g[2]!); // 6to4
  return undefined;
}

/** The class of an IP literal (IPv4 or IPv6, brackets already removed). */
export function classifyAddress(address: string): AddressClass {
  if (isIP(address) === 4) return classifyV4(address);
  const embedded = embeddedIPv4(address);
  if (embedded !== undefined) return classifyV4(embedded);
  if (V6.loopback.check(address, 'ipv6')) return 'loopback';
  if (V6.private.check(address, 'ipv6')) return 'private';
  if (V6.special.check(address, 'ipv6')) return 'special';
  return 'public';
}
