/**
 * One visit to the storefront, as a small state machine: a shopper lands, browses and searches,
 * may add to the cart, may check out, may pay (one purchase event per order line); each step can be
 * the last. Bots crawl and never buy; tills scan items, check out and pay.
 */
import type { EventType, RawEvent } from '../../src/events/event-schemas.js';
import type { Product } from '../../src/reference/product-catalogue.js';
import type { Random } from '../../src/reference/seeded-random.js';
import { formatEventTime, type TimeFormat } from './event-time.js';
import type { ProductShelf } from './product-shelf.js';
import type { CountryInfo, StorefrontWorld, Till } from './storefront-world.js';
import { intBetween } from './weighted-choice.js';

export interface Visitor {
  readonly kind: 'shopper' | 'bot' | 'till';
  readonly source: 'web' | 'mobile' | 'pos';
  readonly userId?: string;
  readonly deviceId?: string;
  readonly userAgent?: string;
  readonly country: CountryInfo;
  readonly timeFormat: TimeFormat;
  readonly till?: Till;
  /** Attributes the producer attaches to every event (app version, store and lane). */
  readonly properties?: Readonly<Record<string, string | number>>;
}

/** What sessions share: the random stream, the clock, the world and catalogue, and id counters. */
export interface SessionContext {
  readonly random: Random;
  readonly now: () => number;
  readonly world: StorefrontWorld;
  readonly shelf: ProductShelf;
  readonly ids: IdSource;
}

/** Run-unique ids: a prefix from the run, then a base-36 counter per kind. */
export class IdSource {
  private counters = { event: 0, session: 0, order: 0, visitor: 0 };
  constructor(private readonly runId: string) {}
  next(kind: keyof IdSource['counters']): string {
    const n = ++this.counters[kind];
    return `${kind[0]}-${this.runId}-${n.toString(36)}`;
  }
}

interface CartLine {
  product: Product;
  quantity: number;
  price: number;
}

/** Keeps cart totals inside the schema's money bound even in currencies like KRW. */
const MAX_CART_VALUE = 5_000_000;
const MAX_STEPS = 60;

const LANDING_REFERRERS: readonly (string | undefined)[] = [
  'https://www.google.com/',
  'https://www.google.com/',
  'https://www.bing.com/',
  'https://www.instagram.com/',
  'https://www.facebook.com/',
  'https://news.example.org/gift-guide',
  undefined,
  undefined,
];
const CAMPAIGNS = ['spring-sale', 'newsletter-week-12', 'back-to-school', 'free-shipping'];
const INFO_PAGES = ['/help/shipping', '/help/returns', '/account/orders', '/stores', '/about'];

type Phase = 'landing' | 'browsing' | 'checkout' | 'paying' | 'done';

export class ShoppingSession {
  readonly sessionId: string;
  private readonly ip: string | undefined;
  private readonly currency: string;
  private phase: Phase = 'landing';
  private steps = 0;
  private lastType: EventType | undefined;
  private lastViewed: Product | undefined;
  /** The product a search was for, viewed next more often than not. */
  private intent: Product | undefined;
  private readonly cart = new Map<string, CartLine>();
  private order: { orderId: string; lines: CartLine[] } | undefined;
  private readonly plannedSteps: number;

  constructor(
    readonly visitor: Visitor,
    private readonly ctx: SessionContext,
  ) {
    const { random, world, ids } = ctx;
    this.sessionId = ids.next('session');
    this.ip = visitor.till ? visitor.till.ip : world.ipIn(visitor.country, random);
    // A lowercase code now and then: ingest normalises it.
    const currency = world.currencyFor(visitor.country, random);
    this.currency = visitor.till ? visitor.country.currency : currency;
    this.plannedSteps = visitor.kind === 'bot' ? intBetween(random, 3, 30) : visitor.kind === 'till' ? intBetween(random, 1, 6) : MAX_STEPS;
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  /** The session's next event, or null when the visit is over. */
  next(): RawEvent | null {
    if (this.phase === 'done') return null;
    const event = this.visitor.kind === 'till' ? this.nextAtTill() : this.visitor.kind === 'bot' ? this.nextCrawl() : this.nextShopping();
    if (event === null) {
      this.phase = 'done';
      return null;
    }
    this.steps++;
    this.lastType = event.type;
    return event;
  }

  /** An event of the given type in this session's context, leaving the session where it is. */
  sideEvent(type: EventType): RawEvent {
    const { random, shelf } = this.ctx;
    const product = shelf.draw(random);
    switch (type) {
      case 'page_view':
        return this.pageView(`/p/${product.sku}`);
      case 'product_view':
        return { ...this.common('product_view'), sku: product.sku };
      case 'search':
        return { ...this.common('search'), query: shelf.searchQuery(product, random), resultsCount: intBetween(random, 1, 80) };
      case 'add_to_cart': {
        const line = this.line(product);
        return { ...this.common('add_to_cart'), sku: product.sku, quantity: line.quantity, price: line.price, currency: this.currency };
      }
      case 'checkout': {
        const line = this.line(product);
        return { ...this.common('checkout'), cartValue: this.total([line]), currency: this.currency, itemCount: line.quantity };
      }
      case 'purchase': {
        const line = this.line(product);
        return this.purchaseLine(this.ctx.ids.next('order'), line);
      }
    }
  }

  private nextShopping(): RawEvent | null {
    const { random, shelf } = this.ctx;
    switch (this.phase) {
      case 'landing': {
        this.phase = 'browsing';
        const r = random();
        if (r < 0.45) return this.pageView('/', true);
        if (r < 0.7) return this.pageView(`/c/${shelf.categories[Math.floor(random() * shelf.categories.length)] as string}`, true);
        this.intent = shelf.draw(random);
        return this.pageView(`/p/${this.intent.sku}`, true);
      }
      case 'checkout': {
        const r = random();
        if (r < 0.62) {
          this.phase = 'paying';
          this.order = { orderId: this.ctx.ids.next('order'), lines: [...this.cart.values()] };
          this.cart.clear();
          return this.nextShopping();
        }
        if (r < 0.75) {
          this.phase = 'browsing';
          return this.pageView('/cart');
        }
        return null;
      }
      case 'paying': {
        const line = this.order?.lines.shift();
        return line === undefined ? null : this.purchaseLine((this.order as { orderId: string }).orderId, line);
      }
      case 'browsing':
        return this.browse();
      default:
        return null;
    }
  }

  private browse(): RawEvent | null {
    const { random, shelf } = this.ctx;
    if (this.steps >= this.plannedSteps) return null;
    if (this.cart.size > 0 && random() < 0.25) return this.checkout();
    if (this.lastType === 'product_view' && this.lastViewed && random() < 0.12) return this.addToCartOrCheckout(this.lastViewed);
    if (random() < 0.12) return null;
    if (this.intent && random() < 0.85) return this.productView(this.intent);
    this.intent = undefined;
    const r = random();
    if (r < 0.5) return this.productView(shelf.draw(random));
    if (r < 0.72) {
      const wanted = shelf.draw(random);
      // A few searches find nothing (typos, things the shop does not sell).
      if (random() < 0.05) return { ...this.common('search'), query: `${shelf.searchQuery(wanted, random)}x`, resultsCount: 0 };
      this.intent = wanted;
      return { ...this.common('search'), query: shelf.searchQuery(wanted, random), resultsCount: intBetween(random, 1, 120) };
    }
    if (r < 0.9) return this.pageView(`/c/${shelf.categories[Math.floor(random() * shelf.categories.length)] as string}`);
    return this.pageView(INFO_PAGES[Math.floor(random() * INFO_PAGES.length)] as string);
  }

  private nextCrawl(): RawEvent | null {
    const { random, shelf } = this.ctx;
    if (this.steps >= this.plannedSteps) return null;
    const product = shelf.draw(random);
    return random() < 0.6 ? this.pageView(`/p/${product.sku}`) : this.productView(product);
  }

  /** A till scans items, totals them, takes payment; now and then a card is declined. */
  private nextAtTill(): RawEvent | null {
    const { random, shelf } = this.ctx;
    switch (this.phase) {
      case 'landing':
      case 'browsing': {
        this.phase = 'browsing';
        if (this.steps >= this.plannedSteps && this.cart.size > 0) return this.checkout();
        return this.addToCartOrCheckout(shelf.draw(random));
      }
      case 'checkout':
        if (random() < 0.03) return null;
        this.phase = 'paying';
        this.order = { orderId: this.ctx.ids.next('order'), lines: [...this.cart.values()] };
        this.cart.clear();
        return this.nextAtTill();
      case 'paying': {
        const line = this.order?.lines.shift();
        return line === undefined ? null : this.purchaseLine((this.order as { orderId: string }).orderId, line);
      }
      default:
        return null;
    }
  }

  private common<T extends EventType>(type: T) {
    const { visitor, ctx } = this;
    return {
      eventId: ctx.ids.next('event'),
      type,
      source: visitor.source,
      occurredAt: formatEventTime(ctx.now(), visitor.timeFormat, visitor.country.utcOffsetMinutes),
      ...(visitor.userId !== undefined ? { userId: visitor.userId } : {}),
      sessionId: this.sessionId,
      ...(visitor.deviceId !== undefined ? { deviceId: visitor.deviceId } : {}),
      ...(this.ip !== undefined ? { ip: this.ip } : {}),
      ...(visitor.userAgent !== undefined ? { userAgent: visitor.userAgent } : {}),
      ...(visitor.properties !== undefined ? { properties: visitor.properties } : {}),
    };
  }

  private pageView(path: string, landing = false): RawEvent {
    const { random } = this.ctx;
    const app = this.visitor.source === 'mobile';
    let url = app ? `app://storefront${path}` : path;
    const event = this.common('page_view');
    if (!landing || app) return { ...event, url };
    const referrer = LANDING_REFERRERS[Math.floor(random() * LANDING_REFERRERS.length)];
    if (random() < 0.15) url += `?utm_source=email&utm_campaign=${CAMPAIGNS[Math.floor(random() * CAMPAIGNS.length)] as string}`;
    return { ...event, url, ...(referrer !== undefined ? { referrer } : {}) };
  }

  private productView(product: Product): RawEvent {
    this.lastViewed = product;
    this.intent = undefined;
    return { ...this.common('product_view'), sku: product.sku };
  }

  private line(product: Product): CartLine {
    const { random, shelf } = this.ctx;
    const r = random();
    const quantity = r < 0.8 ? 1 : r < 0.95 ? 2 : intBetween(random, 3, 5);
    return { product, quantity, price: shelf.price(product, this.currency, random) };
  }

  /** Adds a line to the cart; a full cart goes to checkout instead, an empty one that cannot take it ends the visit. */
  private addToCartOrCheckout(product: Product): RawEvent | null {
    let line = this.line(product);
    if (this.total([...this.cart.values(), line]) > MAX_CART_VALUE) line = { ...line, quantity: 1 };
    if (this.total([...this.cart.values(), line]) > MAX_CART_VALUE) return this.cart.size > 0 ? this.checkout() : null;
    const inCart = this.cart.get(product.sku);
    this.cart.set(product.sku, inCart ? { ...inCart, quantity: inCart.quantity + line.quantity } : line);
    return {
      ...this.common('add_to_cart'),
      sku: product.sku,
      quantity: line.quantity,
      price: inCart?.price ?? line.price,
      currency: this.currencyAsSent(),
    };
  }

  private checkout(): RawEvent {
    this.phase = 'checkout';
    const lines = [...this.cart.values()];
    const itemCount = lines.reduce((n, l) => n + l.quantity, 0);
    return { ...this.common('checkout'), cartValue: this.total(lines), currency: this.currencyAsSent(), itemCount };
  }

  private purchaseLine(orderId: string, line: CartLine): RawEvent {
    return {
      ...this.common('purchase'),
      orderId,
      sku: line.product.sku,
      quantity: line.quantity,
      price: line.price,
      currency: this.currencyAsSent(),
    };
  }

  private total(lines: readonly CartLine[]): number {
    return this.ctx.shelf.round(
      lines.reduce((sum, l) => sum + l.price * l.quantity, 0),
      this.currency,
    );
  }

  /** Some producers send currency codes in lower case; ingest normalises them. */
  private currencyAsSent(): string {
    return this.ctx.random() < 0.03 ? this.currency.toLowerCase() : this.currency;
  }
}
