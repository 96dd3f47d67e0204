/**
 * Who shops in the generated storefront: countries with their share of traffic, currency and time
 * zone, and the shops' point-of-sale tills. Built from the sample reference data (IP ranges, USD
 * rates) so every generated event enriches.
 */
import { SAMPLE_USD_RATES } from '../../src/reference/currency-rates.js';
import { type IpRange, SAMPLE_COUNTRIES, sampleIpRanges } from '../../src/reference/ip-ranges.js';
import type { Random } from '../../src/reference/seeded-random.js';
import { type AddressBlock, addressBlock } from './ip-address-picker.js';
import { WeightedChoice } from './weighted-choice.js';

export type Country = (typeof SAMPLE_COUNTRIES)[number];

interface CountryProfile {
  /** Relative share of sessions. */
  weight: number;
  currency: string;
  /** Standard-time offset from UTC in minutes (daylight saving is left out). */
  utcOffsetMinutes: number;
  cities: readonly string[];
}

const COUNTRY_PROFILES: Readonly<Record<Country, CountryProfile>> = {
  US: { weight: 30, currency: 'USD', utcOffsetMinutes: -300, cities: ['New York', 'Chicago', 'Austin', 'Seattle'] },
  DE: { weight: 10, currency: 'EUR', utcOffsetMinutes: 60, cities: ['Berlin', 'Hamburg', 'Munich'] },
  GB: { weight: 10, currency: 'GBP', utcOffsetMinutes: 0, cities: ['London', 'Manchester', 'Leeds'] },
  FR: { weight: 7, currency: 'EUR', utcOffsetMinutes: 60, cities: ['Paris', 'Lyon'] },
  JP: { weight: 5, currency: 'JPY', utcOffsetMinutes: 540, cities: ['Tokyo', 'Osaka'] },
  BR: { weight: 3, currency: 'BRL', utcOffsetMinutes: -180, cities: ['Sao Paulo'] },
  IN: { weight: 4, currency: 'INR', utcOffsetMinutes: 330, cities: ['Mumbai', 'Bengaluru'] },
  CA: { weight: 4, currency: 'CAD', utcOffsetMinutes: -300, cities: ['Toronto', 'Montreal'] },
  AU: { weight: 3, currency: 'AUD', utcOffsetMinutes: 600, cities: ['Sydney'] },
  SE: { weight: 2, currency: 'SEK', utcOffsetMinutes: 60, cities: ['Stockholm'] },
  ES: { weight: 4, currency: 'EUR', utcOffsetMinutes: 60, cities: ['Madrid', 'Barcelona'] },
  IT: { weight: 4, currency: 'EUR', utcOffsetMinutes: 60, cities: ['Milan', 'Rome'] },
  NL: { weight: 3, currency: 'EUR', utcOffsetMinutes: 60, cities: ['Amsterdam'] },
  MX: { weight: 3, currency: 'MXN', utcOffsetMinutes: -360, cities: ['Mexico City'] },
  KR: { weight: 3, currency: 'KRW', utcOffsetMinutes: 540, cities: ['Seoul'] },
  PL: { weight: 2, currency: 'PLN', utcOffsetMinutes: 60, cities: ['Warsaw'] },
};

/** Share of sessions paying in USD though elsewhere (cross-border shoppers). */
const USD_ABROAD_SHARE = 0.06;
/** Share of sessions paying in any currency the store has a rate for (travellers, marketplaces). */
const OTHER_CURRENCY_SHARE = 0.04;
/** Share of IPv6 addresses. */
export const IPV6_SHARE = 0.12;

export interface CountryInfo extends CountryProfile {
  code: Country;
  ipv4: readonly AddressBlock[];
  ipv6: readonly AddressBlock[];
}

export interface Till {
  deviceId: string;
  store: string;
  lane: number;
  country: CountryInfo;
  ip: string;
}

/** The countries, currencies and tills, all derived from the sample reference data. */
export class StorefrontWorld {
  readonly countries: ReadonlyMap<Country, CountryInfo>;
  readonly currencies: readonly string[];
  private readonly countryChoice: WeightedChoice<CountryInfo>;
  readonly tills: readonly Till[];

  constructor(
    random: Random,
    ranges: readonly IpRange[] = sampleIpRanges(),
    usdRates: Readonly<Record<string, number>> = SAMPLE_USD_RATES,
  ) {
    const countries = new Map<Country, CountryInfo>();
    for (const code of SAMPLE_COUNTRIES) {
      const profile = COUNTRY_PROFILES[code];
      if (usdRates[profile.currency] === undefined) throw new RangeError(`no sample USD rate for ${profile.currency} (${code})`);
      const blocks = ranges.filter((r) => r.country === code).map(addressBlock);
      const ipv4 = blocks.filter((b) => b.family === 4);
      if (ipv4.length === 0) throw new RangeError(`no sample IPv4 range for ${code}`);
      countries.set(code, { ...profile, code, ipv4, ipv6: blocks.filter((b) => b.family === 6) });
    }
    this.countries = countries;
    this.currencies = Object.keys(usdRates);
    this.countryChoice = new WeightedChoice([...countries.values()].map((c) => [c, c.weight] as const));

    const tills: Till[] = [];
    for (const country of countries.values()) {
      country.cities.forEach((city, i) => {
        const lanes = 1 + Math.floor(random() * 4);
        const storeCode = `${country.code.toLowerCase()}${String(i + 1).padStart(2, '0')}`;
        for (let lane = 1; lane <= lanes; lane++) {
          tills.push({ deviceId: `till-${storeCode}-${lane}`, store: city, lane, country, ip: this.ipIn(country, random, 0) });
        }
      });
    }
    this.tills = tills;
  }

  country(random: Random): CountryInfo {
    return this.countryChoice.draw(random);
  }

  /** An address in the country; IPv6 with probability ipv6Share. */
  ipIn(country: CountryInfo, random: Random, ipv6Share = IPV6_SHARE): string {
    const pool = country.ipv6.length > 0 && random() < ipv6Share ? country.ipv6 : country.ipv4;
    return (pool[Math.floor(random() * pool.length)] as AddressBlock).pick(random);
  }

  /** The currency a shopper from the country pays in: mostly the local one. */
  currencyFor(country: CountryInfo, random: Random): string {
    const r = random();
    if (r < OTHER_CURRENCY_SHARE) return this.currencies[Math.floor(random() * this.currencies.length)] as string;
    if (r < OTHER_CURRENCY_SHARE + USD_ABROAD_SHARE) return 'USD';
    return country.currency;
  }
}
