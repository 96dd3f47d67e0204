/** Random host addresses inside the sample IP ranges, so enrich finds a country for each. */
import { isIPv4, isIPv6 } from 'node:net';
import type { IpRange } from '../../src/reference/ip-ranges.js';
import type { Random } from '../../src/reference/seeded-random.js';

export interface AddressBlock {
  readonly family: 4 | 6;
  readonly country: string;
  /** Draws one host address of the block. */
  pick(random: Random): string;
}

function ipv4Block(address: string, prefix: number, country: string): AddressBlock {
  const base = address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const size = 2 ** (32 - prefix);
  const start = base - (base % size);
  // Leave out the network and broadcast addresses when the block has room for hosts.
  const [first, hosts] = size > 2 ? [start + 1, size - 2] : [start, size];
  return {
    family: 4,
    country,
    pick(random) {
      const n = first + Math.floor(random() * hosts);
      return `${Math.floor(n / 16_777_216) % 256}.${Math.floor(n / 65_536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
    },
  };
}

function expandIpv6(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - headParts.length - tailParts.length;
  return [...headParts, ...Array<string>(zeros).fill('0'), ...tailParts].map((h) => Number.parseInt(h, 16));
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as "::". */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const text = groups.map((g) => g.toString(16));
  if (bestStart < 0) return text.join(':');
  return `${text.slice(0, bestStart).join(':')}::${text.slice(bestStart + bestLength).join(':')}`;
}

function ipv6Block(address: string, prefix: number, country: string): AddressBlock {
  const network = expandIpv6(address);
  return {
    family: 6,
    country,
    pick(random) {
      const groups = network.map((group, i) => {
        const fixedBits = Math.min(16, Math.max(0, prefix - i * 16));
        const hostMask = fixedBits === 16 ? 0 : 0xffff >>> fixedBits;
        // Interface ids are mostly small or random; small ones read like real server-assigned hosts.
        const hostBits = i < 7 && random() < 0.5 ? 0 : Math.floor(random() * 0x10000);
        return (group & ~hostMask & 0xffff) | (hostBits & hostMask);
      });
      return formatIpv6(groups);
    },
  };
}

/** Parses "a.b.c.d/p" or "x:y::/p" into a block to draw hosts from. */
export function addressBlock(range: IpRange): AddressBlock {
  const [address = '', prefixText] = range.network.split('/');
  if (isIPv4(address)) return ipv4Block(address, prefixText === undefined ? 32 : Number(prefixText), range.country);
  if (isIPv6(address)) return ipv6Block(address, prefixText === undefined ? 128 : Number(prefixText), range.country);
  throw new RangeError(`"${range.network}" is not an IP network`);
}
