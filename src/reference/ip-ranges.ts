/**
 * Sample IP ranges -> country used to seed the store. Synthetic: blocks of public address space
 * assigned to countries for the demo pipeline, not a geolocation database.
 */
export interface IpRange {
  network: string;
  country: string;
}

export const SAMPLE_COUNTRIES = ['US', 'DE', 'GB', 'FR', 'JP', 'BR', 'IN', 'CA', 'AU', 'SE', 'ES', 'IT', 'NL', 'MX', 'KR', 'PL'] as const;

/** Four /16 IPv4 blocks and one /48 IPv6 block per country. */
export function sampleIpRanges(): IpRange[] {
  const ranges: IpRange[] = [];
  SAMPLE_COUNTRIES.forEach((country, i) => {
    for (let j = 0; j < 4; j++) ranges.push({ network: `${20 + i}.${j * 16}.0.0/16`, country });
    ranges.push({ network: `2001:db8:${(i + 1).toString(16)}::/48`, country });
  });
  return ranges;
}
