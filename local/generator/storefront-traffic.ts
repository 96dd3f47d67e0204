/**
 * A seeded generator of storefront traffic for the local twin: interleaved visits of shoppers
 * (web and app), crawlers and shop tills walking the funnel, with a share of invalid records (each
 * tagged with the reason the pipeline must give) and of redelivered duplicates. The same seed and
 * clock give the same records, byte for byte.
 */
import type { EventType, RawEvent } from '../../src/events/event-schemas.js';
import { SAMPLE_USD_RATES } from '../../src/reference/currency-rates.js';
import { type Product, productCatalogue } from '../../src/reference/product-catalogue.js';
import { type Random, seededRandom } from '../../src/reference/seeded-random.js';
import { GeneratorOptionsError } from './errors.js';
import type { TimeFormat } from './event-time.js';
import type { GeneratedRecord } from './generated-record.js';
import {
  GENERATED_INVALID_REASONS,
  type GeneratedInvalidReason,
  INVALID_VARIANTS,
  type InvalidVariant,
  rejectingStage,
  unratedCurrencies,
  type VariantTools,
} from './invalid-records.js';
import { ProductShelf } from './product-shelf.js';
import { IdSource, type SessionContext, ShoppingSession, type Visitor } from './shopping-session.js';
import { StorefrontWorld } from './storefront-world.js';
import { type AgentClass, USER_AGENTS } from './user-agents.js';
import { WeightedChoice, zipfChoice } from './weighted-choice.js';

export type { GeneratedRecord, RecordKind } from './generated-record.js';

export interface TrafficGenerator {
  /** The next record; never ends. */
  next(): GeneratedRecord;
  /** Records made so far. */
  readonly produced: number;
}

export interface TrafficGeneratorOptions {
  /** Same seed (and clock) -> same records. */
  readonly seed: number;
  /** Share of records that are invalid, 0..1. @default 0.01 */
  readonly invalidShare?: number;
  /** Share of records that re-send an earlier valid record byte for byte, 0..1. @default 0.005 */
  readonly duplicateShare?: number;
  /** Epoch-ms clock stamped into event times. @default Date.now */
  readonly now?: () => number;
  /**
   * Part of every event, session and order id, so runs with the same seed into one store do not
   * collide. Letters, digits, _ and - only. @default "r" + the seed in base 36
   */
  readonly runId?: string;
  /** Visits in progress at once; their events interleave. @default 400 */
  readonly concurrentSessions?: number;
  /** @default productCatalogue() (what the store is seeded with) */
  readonly catalogue?: readonly Product[];
  /** USD per unit of each currency the store can convert. @default SAMPLE_USD_RATES */
  readonly usdRates?: Readonly<Record<string, number>>;
}

export const DEFAULT_INVALID_SHARE = 0.01;
export const DEFAULT_DUPLICATE_SHARE = 0.005;

/** Registered customers; a few of them come back often (Zipf), most rarely. */
const CUSTOMER_COUNT = 100_000;
/** Valid records a duplicate can repeat: redeliveries happen soon after the original. */
const RECENT_VALID = 1024;

const VISITOR_KINDS = new WeightedChoice<'web' | 'app' | 'bot' | 'till'>([
  ['web', 62],
  ['app', 26],
  ['bot', 4],
  ['till', 8],
]);
const WEB_DEVICES = new WeightedChoice<AgentClass>([
  ['desktop', 55],
  ['mobile', 38],
  ['tablet', 7],
]);
const APP_VERSIONS = new WeightedChoice([
  ['4.12.0', 60],
  ['4.11.2', 30],
  ['4.9.1', 10],
] as const);

function checkShare(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new GeneratorOptionsError(`${name} must be between 0 and 1, got ${value}`);
  return value;
}

class StorefrontTraffic implements TrafficGenerator {
  produced = 0;
  private readonly random: Random;
  private readonly ctx: SessionContext;
  private readonly sessions: ShoppingSession[] = [];
  private readonly customers: WeightedChoice<number>;
  private readonly recent: GeneratedRecord[] = [];
  private recentNext = 0;
  private readonly variantsByReason: ReadonlyMap<GeneratedInvalidReason, readonly InvalidVariant[]>;
  private readonly tools: Omit<VariantTools, 'now'>;

  constructor(
    private readonly seed: number,
    private readonly invalidShare: number,
    private readonly duplicateShare: number,
    private readonly now: () => number,
    runId: string,
    concurrentSessions: number,
    catalogue: readonly Product[],
    usdRates: Readonly<Record<string, number>>,
  ) {
    this.random = seededRandom(seed);
    const world = new StorefrontWorld(this.random, undefined, usdRates);
    this.ctx = { random: this.random, now, world, shelf: new ProductShelf(catalogue, this.random, usdRates), ids: new IdSource(runId) };
    this.customers = zipfChoice(
      Array.from({ length: CUSTOMER_COUNT }, (_, i) => i + 1),
      0.8,
    );

    const known = new Set(catalogue.map((p) => p.sku));
    const unrated = unratedCurrencies(usdRates);
    if (unrated.length === 0)
      throw new GeneratorOptionsError('every candidate currency has a USD rate; cannot make NO_CURRENCY_RATE records');
    this.tools = {
      random: this.random,
      unratedCurrencies: unrated,
      unknownSku: (random) => {
        for (;;) {
          const sku =
            random() < 0.8
              ? `SKU-${String(catalogue.length + 1 + Math.floor(random() * 90_000)).padStart(5, '0')}`
              : `DISC-${Math.floor(random() * 10_000)}`;
          if (!known.has(sku)) return sku;
        }
      },
    };
    const byReason = new Map<GeneratedInvalidReason, InvalidVariant[]>();
    for (const variant of INVALID_VARIANTS) byReason.set(variant.reason, [...(byReason.get(variant.reason) ?? []), variant]);
    this.variantsByReason = byReason;

    for (let i = 0; i < concurrentSessions; i++) this.sessions.push(this.newSession());
  }

  next(): GeneratedRecord {
    this.produced++;
    const r = this.random();
    if (r < this.duplicateShare && this.recent.length > 0) {
      const original = this.recent[Math.floor(this.random() * this.recent.length)] as GeneratedRecord;
      return { ...original, kind: 'duplicate' };
    }
    if (r < this.duplicateShare + this.invalidShare) return this.invalid();
    return this.valid();
  }

  private valid(): GeneratedRecord {
    for (;;) {
      const i = Math.floor(this.random() * this.sessions.length);
      const event = (this.sessions[i] as ShoppingSession).next();
      if (event === null) {
        this.sessions[i] = this.newSession();
        continue;
      }
      const record: GeneratedRecord = {
        key: keyOf(event),
        value: Buffer.from(JSON.stringify(event), 'utf8'),
        kind: 'valid',
        eventId: event.eventId,
        eventType: event.type,
      };
      if (this.recent.length < RECENT_VALID) this.recent.push(record);
      else this.recent[this.recentNext] = record;
      this.recentNext = (this.recentNext + 1) % RECENT_VALID;
      return record;
    }
  }

  private invalid(): GeneratedRecord {
    const { random } = this;
    const reason = GENERATED_INVALID_REASONS[Math.floor(random() * GENERATED_INVALID_REASONS.length)] as GeneratedInvalidReason;
    const variants = this.variantsByReason.get(reason) as readonly InvalidVariant[];
    const variant = variants[Math.floor(random() * variants.length)] as InvalidVariant;
    const type = variant.from[Math.floor(random() * variant.from.length)] as EventType;
    const session = this.sessions[Math.floor(random() * this.sessions.length)] as ShoppingSession;
    const event = session.sideEvent(type);
    const value = variant.make(event, { ...this.tools, now: this.now() });
    const stage = rejectingStage(reason);
    return {
      key: variant.keyless ? null : keyOf(event),
      value,
      kind: 'invalid',
      ...(stage === 'enrich' ? { eventId: event.eventId } : {}),
      eventType: type,
      expectedReason: reason,
      expectedStage: stage,
    };
  }

  private newSession(): ShoppingSession {
    return new ShoppingSession(this.visitor(), this.ctx);
  }

  private visitor(): Visitor {
    const { random, ctx } = this;
    const kind = VISITOR_KINDS.draw(random);
    if (kind === 'till') {
      const till = ctx.world.tills[Math.floor(random() * ctx.world.tills.length)] as (typeof ctx.world.tills)[number];
      return {
        kind: 'till',
        source: 'pos',
        deviceId: till.deviceId,
        country: till.country,
        timeFormat: 'iso-local',
        till,
        properties: { store: till.store, lane: till.lane },
      };
    }
    if (kind === 'bot') {
      const country = ctx.world.countries.get('US') ?? ctx.world.country(random);
      return {
        kind: 'bot',
        source: 'web',
        deviceId: ctx.ids.next('visitor'),
        userAgent: USER_AGENTS.bot.draw(random),
        country,
        timeFormat: 'iso-utc',
      };
    }
    // Six in ten visits are by signed-in customers; the rest are anonymous, known by a cookie or install id.
    if (random() < 0.6) return this.customer(this.customers.draw(random), kind);
    return this.newVisitor(random, kind, undefined);
  }

  /**
   * A customer's country, browser and time format are theirs: drawn from a stream seeded by their
   * number, so every visit of theirs looks alike (recomputed each visit rather than cached, so memory
   * stays flat on long runs).
   */
  private customer(index: number, kind: 'web' | 'app'): Visitor {
    return this.newVisitor(seededRandom((this.seed ^ Math.imul(index, 0x9e3779b1)) >>> 0), kind, index);
  }

  private newVisitor(random: Random, kind: 'web' | 'app', customer: number | undefined): Visitor {
    const country = this.ctx.world.country(random);
    const userId = customer === undefined ? undefined : `u-${customer}`;
    if (kind === 'app') {
      const timeFormat: TimeFormat = random() < 0.8 ? 'epoch-ms' : 'iso-utc';
      const deviceId = customer === undefined ? this.ctx.ids.next('visitor') : `app-${customer}`;
      return {
        kind: 'shopper',
        source: 'mobile',
        ...(userId !== undefined ? { userId } : {}),
        deviceId,
        userAgent: USER_AGENTS.app.draw(random),
        country,
        timeFormat,
        properties: { appVersion: APP_VERSIONS.draw(random) },
      };
    }
    const timeFormat: TimeFormat = random() < 0.75 ? 'iso-utc' : 'iso-local';
    const userAgent = USER_AGENTS[WEB_DEVICES.draw(random)].draw(random);
    return userId !== undefined
      ? { kind: 'shopper', source: 'web', userId, userAgent, country, timeFormat }
      : { kind: 'shopper', source: 'web', deviceId: this.ctx.ids.next('visitor'), userAgent, country, timeFormat };
  }
}

function keyOf(event: RawEvent): string | null {
  return event.userId ?? event.deviceId ?? null;
}

/** Creates a seeded storefront traffic generator. Throws GeneratorOptionsError for options out of range. */
export function createTrafficGenerator(options: TrafficGeneratorOptions): TrafficGenerator {
  const { seed } = options;
  if (!Number.isSafeInteger(seed)) throw new GeneratorOptionsError(`seed must be a whole number, got ${seed}`);
  const invalidShare = checkShare('invalidShare', options.invalidShare ?? DEFAULT_INVALID_SHARE);
  const duplicateShare = checkShare('duplicateShare', options.duplicateShare ?? DEFAULT_DUPLICATE_SHARE);
  if (invalidShare + duplicateShare > 1)
    throw new GeneratorOptionsError(`invalidShare + duplicateShare must be at most 1, got ${invalidShare + duplicateShare}`);
  const runId = options.runId ?? `r${Math.abs(seed).toString(36)}`;
  if (!/^[\w-]{1,40}$/.test(runId)) throw new GeneratorOptionsError(`runId must be 1-40 letters, digits, _ or -, got "${runId}"`);
  const concurrentSessions = options.concurrentSessions ?? 400;
  if (!Number.isInteger(concurrentSessions) || concurrentSessions < 1)
    throw new GeneratorOptionsError(`concurrentSessions must be a whole number >= 1, got ${concurrentSessions}`);
  return new StorefrontTraffic(
    seed,
    invalidShare,
    duplicateShare,
    options.now ?? Date.now,
    runId,
    concurrentSessions,
    options.catalogue ?? productCatalogue(),
    options.usdRates ?? SAMPLE_USD_RATES,
  );
}
