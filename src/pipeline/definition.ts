/**
 * The pipeline definition: the ONE place that says which topics exist and how each stage is
 * triggered. The CDK stack (infra/) and the local twin (local/) both read it; nothing about
 * topology is written anywhere else.
 */
import { PIPELINE_DEFAULTS, PIPELINE_LIMITS, type PipelineSetting, withinLimit } from './pipeline-limits.js';

/** Names of the topics, before the pipeline-name prefix is applied. */
export const TopicRole = {
  raw: 'raw',
  clean: 'clean',
  enriched: 'enriched',
  dlq: 'dlq',
  /** Failure destination of the event source mappings: batches whose retries ran out. */
  failures: 'failures',
} as const;
export type TopicRole = (typeof TopicRole)[keyof typeof TopicRole];

/** Names of the Kafka-triggered functions. */
export const StageName = {
  ingest: 'ingest',
  enrich: 'enrich',
  sink: 'sink',
} as const;
export type StageName = (typeof StageName)[keyof typeof StageName];

export const STAGE_NAMES: readonly StageName[] = [StageName.ingest, StageName.enrich, StageName.sink];

/** The consumers of the shop database's change topics (change data capture). */
export const ChangeStageName = {
  /** products, prices, currency rates -> the reference data enrich joins. */
  catalogue: 'catalogue',
  /** orders, order lines -> the order mirror in the analytics store. */
  orders: 'orders',
} as const;
export type ChangeStageName = (typeof ChangeStageName)[keyof typeof ChangeStageName];
export const CHANGE_STAGE_NAMES: readonly ChangeStageName[] = [ChangeStageName.catalogue, ChangeStageName.orders];

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

export interface TopicDefinition {
  /** Full topic name, prefixed with the pipeline name. */
  readonly name: string;
  readonly role: TopicRole;
  readonly partitions: number;
  /** Replication factor where the cluster lets us choose (provisioned MSK, external Kafka). */
  readonly replicationFactor: number;
  readonly retentionHours: number;
}

/** What happens when the handler throws (see docs/lambda-kafka-esm.md section 3). */
export interface RetryPolicy {
  /** Attempts after the first; -1 = until the record expires (AWS default). */
  readonly maxRetryAttempts: number;
  /** -1 = no limit. */
  readonly maxRecordAgeSeconds: number;
  readonly bisectBatchOnError: boolean;
  readonly reportBatchItemFailures: boolean;
}

export interface StageDefinition {
  readonly name: StageName;
  readonly description: string;
  readonly inputTopic: string;
  /** Topics the stage produces to (empty for the sink). */
  readonly outputTopics: readonly string[];
  /** Create-only on AWS; unique per mapping. */
  readonly consumerGroupId: string;
  /** Within PIPELINE_LIMITS (AWS default 100). */
  readonly batchSize: number;
  /** Milliseconds, within PIPELINE_LIMITS (AWS default for Kafka 500 ms). */
  readonly batchingWindowMs: number;
  readonly startingPosition: StartingPosition;
  /** With AT_TIMESTAMP: where to start, in epoch seconds (AWS StartingPositionTimestamp). */
  readonly startingPositionTimestamp?: number;
  readonly retry: RetryPolicy;
  /** Lambda memory on AWS; also used by the cost model. */
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Whether the stage needs the analytics store. */
  readonly usesStore: boolean;
}

/** What an event source mapping needs of a stage: a StageDefinition whose name is any mapping name. */
export type MappedStageDefinition = Omit<StageDefinition, 'name'> & { readonly name: string };

/** A change topic: `<prefix>.<schema>.<table>`, as Debezium names it. */
export interface ChangeTopicDefinition extends Omit<TopicDefinition, 'role'> {
  readonly table: string;
}

/**
 * One event source mapping of a change consumer. Lambda's Kafka mappings read one topic each, so a
 * consumer reading several tables has one mapping per table topic, all calling its one function.
 */
export interface ChangeStageDefinition extends MappedStageDefinition {
  readonly consumer: ChangeStageName;
  readonly table: string;
}

/** Change data capture of the shop database (locally the pgoutput capture, on AWS Debezium). */
export interface ChangeCaptureDefinition {
  /** Debezium's topic.prefix. */
  readonly topicPrefix: string;
  readonly schema: string;
  /** Replication slot and publication names at the source. */
  readonly slotName: string;
  readonly publicationName: string;
  readonly topics: readonly ChangeTopicDefinition[];
  readonly stages: readonly ChangeStageDefinition[];
}

export interface PipelineDefinition {
  readonly name: string;
  readonly topics: Readonly<Record<TopicRole, TopicDefinition>>;
  readonly stages: Readonly<Record<StageName, StageDefinition>>;
  readonly changeCapture: ChangeCaptureDefinition;
  /** Largest invocation payload Lambda accepts for an event source mapping. */
  readonly maxPayloadBytes: number;
}

export interface PipelineOptions {
  readonly name?: string;
  readonly partitions?: number;
  readonly batchSize?: number;
  readonly batchingWindowMs?: number;
  readonly retentionHours?: number;
}

export const DEFAULT_PIPELINE_NAME = 'storefront';
const NAME_PATTERN = /^[a-z][a-z0-9-]{1,30}$/;

export class PipelineDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipelineDefinitionError';
  }
}

function checkRange(label: PipelineSetting, value: number): number {
  const limit = PIPELINE_LIMITS[label];
  if (!withinLimit(value, limit)) {
    throw new PipelineDefinitionError(`${label} must be an integer from ${limit.min} to ${limit.max}, got ${value}`);
  }
  return value;
}

/** Builds the pipeline definition, validating every option against the limits AWS enforces. */
export function definePipeline(options: PipelineOptions = {}): PipelineDefinition {
  const name = options.name ?? DEFAULT_PIPELINE_NAME;
  if (!NAME_PATTERN.test(name)) {
    throw new PipelineDefinitionError(
      `pipeline name must be 2-31 lowercase letters, digits or hyphens starting with a letter, got "${name}"`,
    );
  }
  const partitions = checkRange('partitions', options.partitions ?? PIPELINE_DEFAULTS.partitions);
  const batchSize = checkRange('batchSize', options.batchSize ?? PIPELINE_DEFAULTS.batchSize);
  const batchingWindowMs = checkRange('batchingWindowMs', options.batchingWindowMs ?? PIPELINE_DEFAULTS.batchingWindowMs);
  const retentionHours = checkRange('retentionHours', options.retentionHours ?? PIPELINE_DEFAULTS.retentionHours);

  const topic = (role: TopicRole, parts = partitions): TopicDefinition => ({
    name: `${name}-${role}`,
    role,
    partitions: parts,
    replicationFactor: 3,
    retentionHours,
  });
  const topics = {
    raw: topic('raw'),
    clean: topic('clean'),
    enriched: topic('enriched'),
    // The DLQ is low traffic and read by people: fewer partitions, longer retention.
    dlq: { ...topic('dlq', Math.min(partitions, 3)), retentionHours: Math.max(retentionHours, 336) },
    failures: { ...topic('failures', 1), retentionHours: Math.max(retentionHours, 336) },
  } satisfies Record<TopicRole, TopicDefinition>;

  // Handlers route bad records to the DLQ themselves and throw only on transient failures, so a
  // bounded number of whole-batch retries is enough before the batch goes to the failure destination.
  const retry: RetryPolicy = {
    maxRetryAttempts: 10,
    maxRecordAgeSeconds: 21_600,
    bisectBatchOnError: true,
    reportBatchItemFailures: true,
  };
  const stage = (
    stageName: StageName,
    description: string,
    input: TopicDefinition,
    outputs: TopicDefinition[],
    extra: Partial<StageDefinition> = {},
  ): StageDefinition => ({
    name: stageName,
    description,
    inputTopic: input.name,
    outputTopics: outputs.map((t) => t.name),
    consumerGroupId: `${name}-${stageName}`,
    batchSize,
    batchingWindowMs,
    startingPosition: 'TRIM_HORIZON',
    retry,
    memoryMb: 512,
    timeoutSeconds: 60,
    usesStore: false,
    ...extra,
  });

  return {
    name,
    topics,
    stages: {
      ingest: stage('ingest', 'decode, validate and normalise raw events', topics.raw, [topics.clean, topics.dlq]),
      enrich: stage('enrich', 'join reference data, parse user agents, derive fields', topics.clean, [topics.enriched, topics.dlq], {
        usesStore: true,
      }),
      sink: stage('sink', 'write events and rollups to the analytics store in one transaction', topics.enriched, [topics.dlq], {
        usesStore: true,
        memoryMb: 1024,
      }),
    },
    changeCapture: changeCaptureDefinition(name, { partitions, retentionHours, batchingWindowMs, retry }),
    maxPayloadBytes: 6 * 1024 * 1024,
  };
}

/** The shop tables each change consumer reads. */
export const CHANGE_CONSUMER_TABLES: Readonly<Record<ChangeStageName, readonly string[]>> = {
  catalogue: ['products', 'prices', 'currency_rates'],
  orders: ['orders', 'order_lines'],
};
/** Every captured shop table (customers is captured but not consumed yet). */
export const CAPTURED_SHOP_TABLES: readonly string[] = ['currency_rates', 'products', 'prices', 'customers', 'orders', 'order_lines'];

function changeCaptureDefinition(
  name: string,
  settings: { partitions: number; retentionHours: number; batchingWindowMs: number; retry: RetryPolicy },
): ChangeCaptureDefinition {
  const topicPrefix = `${name}-shop`;
  const schema = 'public';
  const slotBase = `${name.replace(/-/g, '_')}_shop`;
  const topics = CAPTURED_SHOP_TABLES.map(
    (table): ChangeTopicDefinition => ({
      name: `${topicPrefix}.${schema}.${table}`,
      table,
      // Changes of one row share a key, hence a partition: order per row holds with any count.
      partitions: Math.min(settings.partitions, 3),
      replicationFactor: 3,
      retentionHours: settings.retentionHours,
    }),
  );
  const stages = CHANGE_STAGE_NAMES.flatMap((consumer) =>
    CHANGE_CONSUMER_TABLES[consumer].map((table): ChangeStageDefinition => {
      const mappingName = `${consumer}-${table.replace(/_/g, '-')}`;
      return {
        name: mappingName,
        consumer,
        table,
        description: `apply ${table} changes (${consumer})`,
        inputTopic: `${topicPrefix}.${schema}.${table}`,
        outputTopics: [`${name}-dlq`],
        consumerGroupId: `${name}-${mappingName}`,
        batchSize: 500,
        batchingWindowMs: settings.batchingWindowMs,
        startingPosition: 'TRIM_HORIZON',
        retry: settings.retry,
        memoryMb: 512,
        timeoutSeconds: 60,
        usesStore: true,
      };
    }),
  );
  return { topicPrefix, schema, slotName: `${slotBase}_cdc`, publicationName: `${slotBase}_cdc_publication`, topics, stages };
}

/** The stage consuming a given topic, if any. */
export function stageForTopic(pipeline: PipelineDefinition, topic: string): StageDefinition | undefined {
  return Object.values(pipeline.stages).find((s) => s.inputTopic === topic);
}

/** The topic a stage consumes. */
export function inputTopicOf(
  pipeline: PipelineDefinition,
  stage: MappedStageDefinition,
): Pick<TopicDefinition, 'name' | 'partitions' | 'retentionHours'> {
  const topics = [...Object.values(pipeline.topics), ...pipeline.changeCapture.topics];
  const topic = topics.find((t) => t.name === stage.inputTopic);
  if (!topic)
    throw new PipelineDefinitionError(`stage ${stage.name} reads "${stage.inputTopic}", which is not a topic of ${pipeline.name}`);
  return topic;
}

/** The default pipeline, as deployed and as run by the local twin. */
export const pipeline: PipelineDefinition = definePipeline();
