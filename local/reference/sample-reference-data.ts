/** The sample reference data in memory, as the store holds it after seeding (fixtures, benchmarks, tests). */
import { IpCountryIndex } from '../../src/enrichment/ip-country-index.js';
import type { ReferenceData } from '../../src/enrichment/reference-data.js';
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
