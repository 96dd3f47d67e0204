/**
 * Reference data enrich joins: product catalogue, USD rates, IP ranges. Read from the store through
 * a port and kept in memory for a TTL, so a warm function reads the store once per TTL, not per batch.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import { IpCountryIndex } from './ip-country-index.js';

export interface ProductInfo {
  name: string;
  category: string;
}

export interface ReferenceData {
  products: ReadonlyMap<string, ProductInfo>;
  /** USD per unit of currency. */
  usdRates: ReadonlyMap<string, number>;
  ipCountries: IpCountryIndex;
}

export interface ReferenceDataSource {
  load(): Promise<ReferenceData>;
}

/** The store-backed source (any PostgreSQL or PGlite). */
export function storeReferenceData(db: SqlQueryable): ReferenceDataSource {
  return {
    async load() {
      const [products, rates, ranges] = await Promise.all([
        db.query<{ sku: string; name: string; category: string }>('SELECT sku, name, category FROM products'),
        db.query<{ currency: string; usd_rate: number }>('SELECT currency, usd_rate::float8 AS usd_rate FROM currency_rates'),
        db.query<{ network: string; country: string }>('SELECT network::text AS network, country FROM ip_ranges'),
      ]);
      return {
        products: new Map(products.map((p) => [p.sku, { name: p.name, category: p.category }])),
        usdRates: new Map(rates.map((r) => [r.currency.trim(), Number(r.usd_rate)])),
        ipCountries: new IpCountryIndex(ranges.map((r) => ({ network: r.network, country: r.country.trim() }))),
      };
    },
  };
}

export const DEFAULT_REFERENCE_TTL_MS = 5 * 60 * 1000;

/**
 * Caches the source for ttlMs. When a refresh fails and a copy is held, the old copy is served
 * (stale beats stalled); with no copy at all the error propagates so the batch is retried.
 */
export class ReferenceDataCache {
  private data: ReferenceData | undefined;
  private loadedAt = 0;
  private loading: Promise<ReferenceData> | undefined;

  constructor(
    private readonly source: ReferenceDataSource,
    private readonly ttlMs = DEFAULT_REFERENCE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Drops the copy, so the next get() loads afresh (the catalogue stage calls it after applying shop changes). */
  invalidate(): void {
    this.data = undefined;
  }

  async get(): Promise<ReferenceData> {
    if (this.data && this.now() - this.loadedAt < this.ttlMs) return this.data;
    this.loading ??= this.source
      .load()
      .then((data) => {
        this.data = data;
        this.loadedAt = this.now();
        return data;
      })
      .finally(() => {
        this.loading = undefined;
      });
    try {
      return await this.loading;
    } catch (error) {
      if (this.data) return this.data;
      throw error;
    }
  }
}
