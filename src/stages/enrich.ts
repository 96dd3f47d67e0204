/** enrich: join reference data, classify the user agent, derive money in USD; to `enriched`. */
import type { ReferenceData } from '../enrichment/reference-data.js';
import type { UserAgentClassifier } from '../enrichment/user-agent-classifier.js';
import { type CleanEvent, type EnrichedEvent, type Enrichment, moneyOf } from '../events/event-schemas.js';
import { InvalidReason } from '../events/invalid-reason.js';
import type { KafkaRecord, OutputRecord } from '../kafka/msk-event.js';
import type { PipelineDefinition } from '../pipeline/definition.js';
import { forwardHeaders, toDlqRecord } from './dlq-record.js';
import { parseInternalRecord } from './internal-record.js';
import { countDlq, emptyOutcome, type StageBatchResult } from './stage-outcome.js';

const CLEAN_FIELDS = ['eventId', 'type', 'occurredAt', 'receivedAt'] as const;

type EnrichResult = { ok: true; enrichment: Enrichment } | { ok: false; reason: InvalidReason; detail: string };

/** Cents are enough for analytics; rounding keeps float noise out of the store. */
const roundMoney = (n: number): number => Math.round(n * 10_000) / 10_000;

export function enrichEvent(event: CleanEvent, reference: ReferenceData, agents: UserAgentClassifier): EnrichResult {
  let productName: string | null = null;
  let category: string | null = null;
  if ('sku' in event) {
    const product = reference.products.get(event.sku);
    if (!product) return { ok: false, reason: InvalidReason.UNKNOWN_PRODUCT, detail: `sku ${event.sku} is not in the product catalogue` };
    productName = product.name;
    category = product.category;
  }
  let valueUsd: number | null = null;
  const money = moneyOf(event);
  if (money) {
    const rate = reference.usdRates.get(money.currency);
    if (rate === undefined) return { ok: false, reason: InvalidReason.NO_CURRENCY_RATE, detail: `no USD rate for ${money.currency}` };
    valueUsd = roundMoney(money.amount * rate);
  }
  const agent = agents.classify(event.userAgent);
  return {
    ok: true,
    enrichment: {
      productName,
      category,
      valueUsd,
      revenueUsd: event.type === 'purchase' ? valueUsd : null,
      country: event.ip === undefined ? null : reference.ipCountries.lookup(event.ip),
      // Point-of-sale terminals send no user agent.
      deviceClass: event.source === 'pos' && event.userAgent === undefined ? 'pos' : agent.deviceClass,
      browser: agent.browser,
      os: agent.os,
      isBot: agent.isBot,
    },
  };
}

export function enrichBatch(
  records: readonly KafkaRecord[],
  pipeline: PipelineDefinition,
  reference: ReferenceData,
  agents: UserAgentClassifier,
): StageBatchResult {
  const outcome = emptyOutcome('enrich', records.length);
  const outputs: OutputRecord[] = [];
  const { enriched, dlq } = pipeline.topics;
  for (const record of records) {
    const parsed = parseInternalRecord<CleanEvent>(record, CLEAN_FIELDS);
    const result = parsed.ok
      ? enrichEvent(parsed.value, reference, agents)
      : { ok: false as const, reason: InvalidReason.MALFORMED_INTERNAL_RECORD, detail: parsed.detail };
    if (parsed.ok && result.ok) {
      const event: EnrichedEvent = { ...parsed.value, enrichment: result.enrichment };
      outputs.push({
        topic: enriched.name,
        key: record.key,
        value: JSON.stringify(event),
        headers: forwardHeaders(record),
      });
      outcome.passed++;
    } else if (!result.ok) {
      outputs.push(toDlqRecord(record, dlq.name, 'enrich', result.reason, result.detail));
      countDlq(outcome, result.reason);
    }
  }
  return { outputs, outcome };
}
