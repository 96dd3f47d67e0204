/** The sample product catalogue of the default storefront pipeline, generated deterministically. */
import { pick, seededRandom } from './seeded-random.js';

export interface Product {
  sku: string;
  name: string;
  category: string;
  listPriceUsd: number;
}

const CATEGORIES: Record<string, { nouns: string[]; priceRange: [number, number] }> = {
  electronics: { nouns: ['Headphones', 'Speaker', 'Charger', 'Tablet', 'Smartwatch', 'Camera'], priceRange: [19, 899] },
  books: { nouns: ['Novel', 'Cookbook', 'Atlas', 'Biography', 'Poetry Collection'], priceRange: [6, 45] },
  apparel: { nouns: ['T-Shirt', 'Jacket', 'Sneakers', 'Scarf', 'Jeans', 'Hoodie'], priceRange: [9, 220] },
  home: { nouns: ['Lamp', 'Rug', 'Kettle', 'Chair', 'Vase', 'Blanket'], priceRange: [12, 480] },
  beauty: { nouns: ['Serum', 'Lipstick', 'Shampoo', 'Perfume', 'Face Mask'], priceRange: [5, 150] },
  sports: { nouns: ['Yoga Mat', 'Dumbbells', 'Running Shoes', 'Water Bottle', 'Bike Light'], priceRange: [8, 350] },
  toys: { nouns: ['Puzzle', 'Board Game', 'Plush Bear', 'Building Set', 'Kite'], priceRange: [7, 120] },
  grocery: { nouns: ['Coffee Beans', 'Olive Oil', 'Green Tea', 'Dark Chocolate', 'Honey'], priceRange: [3, 40] },
};
const ADJECTIVES = ['Classic', 'Pro', 'Eco', 'Compact', 'Deluxe', 'Everyday', 'Urban', 'Nordic', 'Vintage', 'Smart'];

export const CATEGORY_NAMES: readonly string[] = Object.keys(CATEGORIES);

/** `count` products spread over the categories; SKU n is the same for every call with the same seed. */
export function productCatalogue(count = 400, seed = 42): Product[] {
  const random = seededRandom(seed);
  const products: Product[] = [];
  for (let i = 0; i < count; i++) {
    const category = CATEGORY_NAMES[i % CATEGORY_NAMES.length] as string;
    const spec = CATEGORIES[category] as (typeof CATEGORIES)[string];
    const [min, max] = spec.priceRange;
    products.push({
      sku: `SKU-${String(i + 1).padStart(5, '0')}`,
      name: `${pick(random, ADJECTIVES)} ${pick(random, spec.nouns)}`,
      category,
      listPriceUsd: Math.round((min + random() * (max - min)) * 100) / 100,
    });
  }
  return products;
}
