/** The catalogue as shoppers meet it: long-tailed popularity, prices in the shopper's currency, search terms. */
import type { Product } from '../../src/reference/product-catalogue.js';
import type { Random } from '../../src/reference/seeded-random.js';
import { shuffled, type WeightedChoice, zipfChoice } from './weighted-choice.js';

/** Zipf exponent of product popularity: with 400 products the top 10% take roughly 70% of views. */
export const PRODUCT_POPULARITY_EXPONENT = 1.1;

export class ProductShelf {
  readonly products: readonly Product[];
  readonly categories: readonly string[];
  private readonly popularity: WeightedChoice<Product>;
  private readonly fractionDigits = new Map<string, number>();

  constructor(
    catalogue: readonly Product[],
    random: Random,
    private readonly usdRates: Readonly<Record<string, number>>,
  ) {
    if (catalogue.length === 0) throw new RangeError('the product catalogue is empty');
    this.products = catalogue;
    this.categories = [...new Set(catalogue.map((p) => p.category))];
    // Popularity rank is independent of catalogue order, so best sellers spread over categories.
    this.popularity = zipfChoice(shuffled(catalogue, random), PRODUCT_POPULARITY_EXPONENT);
  }

  /** A product, drawn by popularity. */
  draw(random: Random): Product {
    return this.popularity.draw(random);
  }

  /** List price converted to the currency and rounded to its minor unit (none for JPY, KRW). */
  price(product: Product, currency: string, random: Random): number {
    const rate = this.usdRates[currency];
    if (rate === undefined) throw new RangeError(`no USD rate for ${currency}`);
    // One line in ten is on promotion.
    const discount = random() < 0.1 ? 0.85 : 1;
    return this.round(Math.max(product.listPriceUsd * discount, 0.5) / rate, currency);
  }

  round(amount: number, currency: string): number {
    let digits = this.fractionDigits.get(currency);
    if (digits === undefined) {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
      this.fractionDigits.set(currency, digits);
    }
    const unit = 10 ** digits;
    return Math.max(Math.round(amount * unit), 1) / unit;
  }

  /** What someone looking for the product types: a word of its name or its category, in lower case. */
  searchQuery(product: Product, random: Random): string {
    const words = product.name.toLowerCase().split(' ');
    const r = random();
    if (r < 0.5) return words[words.length - 1] as string;
    if (r < 0.8) return product.name.toLowerCase();
    return `${words[words.length - 1] as string} ${product.category}`;
  }
}
