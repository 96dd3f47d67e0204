/** Looks up the country of an IP address in a sorted list of ranges (binary search, IPv4 and IPv6). */
import { isIPv4, isIPv6 } from 'node:net';

interface Range {
  start: bigint;
  end: bigint;
  country: string;
}

function ipv4ToBigInt(ip: string): bigint {
  let n = 0n;
  for (const part of ip.split('.')) n = (n << 8n) | BigInt(Number(part));
  return n;
}

function ipv6ToBigInt(ip: string): bigint {
  const zoneless = ip.split('%')[0] as string;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(zoneless);
  let text = zoneless;
  if (v4) {
    const n = ipv4ToBigInt(v4[1] as string);
    text = `${zoneless.slice(0, v4.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headParts.length - tailParts.length;
  const parts = [...headParts, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  let n = 0n;
  for (const part of parts) n = (n << 16n) | BigInt(Number.parseInt(part, 16));
  return n;
}

function parseNetwork(network: string): { family: 4 | 6; start: bigint; end: bigint } {
  const [address = '', prefixText] = network.split('/');
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : null;
  if (family === null) throw new Error(`"${network}" is not an IP network`);
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) throw new Error(`"${network}" has an invalid prefix`);
  const hostBits = BigInt(bits - prefix);
  const base = family === 4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
  const start = (base >> hostBits) << hostBits;
  return { family, start, end: start + (1n << hostBits) - 1n };
}

export class IpCountryIndex {
  private readonly v4: Range[] = [];
  private readonly v6: Range[] = [];

  constructor(ranges: readonly { network: string; country: string }[]) {
    for (const { network, country } of ranges) {
      const { family, start, end } = parseNetwork(network);
      (family === 4 ? this.v4 : this.v6).push({ start, end, country });
    }
    // Most specific range first among equal starts does not matter for disjoint ranges; sort by start.
    this.v4.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    this.v6.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  /** Country code, or null when the address is in no range (or is not an address). */
  lookup(ip: string): string | null {
    const family = isIPv4(ip) ? 4 : isIPv6(ip) ? 6 : 0;
    if (family === 0) return null;
    const value = family === 4 ? ipv4ToBigInt(ip) : ipv6ToBigInt(ip);
    const ranges = family === 4 ? this.v4 : this.v6;
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const range = ranges[mid] as Range;
      if (value < range.start) hi = mid - 1;
      else if (value > range.end) lo = mid + 1;
      else return range.country;
    }
    return null;
  }
}
