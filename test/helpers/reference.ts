/** Reference data built from the sample seed, for tests that need no store. */
import { IpCountryIndex } from '../../src/enrichment/ip-country-index.js';
import type { ReferenceData, ReferenceDataSource } from '../../src/enrichment/reference-data.js';
import { SAMPLE_USD_RATES } from '../../src/reference/currency-rates.js';
import { sampleIpRanges } from '../../src/reference/ip-ranges.js';
import { productCatalogue } from '../../src/reference/product-catalogue.js';

export function sampleReferenceData(): ReferenceData {
  return {
    products: new Map(productCatalogue().map((p) => [p.sku, { name: p.name, category: p.category }])),
    usdRates: new Map(Object.entries(SAMPLE_USD_RATES)),
    ipCountries: new IpCountryIndex(sampleIpRanges()),
  };
}

/** A source that counts loads and can be told to fail. */
export function countingSource(data = sampleReferenceData()): ReferenceDataSource & { loads: number; fail: boolean } {
  const source = {
    loads: 0,
    fail: false,
    async load() {
      source.loads++;
      if (source.fail) throw new Error('store unreachable');
      return data;
    },
  };
  return source;
}
