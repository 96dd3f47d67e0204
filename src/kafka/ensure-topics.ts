/**
 * Makes a Kafka cluster hold the topics of the pipeline definition, through the admin API: creates
 * missing topics, adds partitions to topics that have fewer than defined, never shrinks one, and
 * sets retention.ms. Used by the local twin against an external Kafka and by the AWS topic custom
 * resource against MSK. Every step that fails throws; the result is checked against the cluster.
 */
import kafkajs, { type Admin } from 'kafkajs';
import type { TopicSpec } from '../pipeline/topic-specs.js';

// kafkajs is CommonJS and Node's ESM loader does not detect these two as named exports.
const { ConfigResourceTypes, ConfigSource } = kafkajs;

/** The admin calls ensureTopics uses (a kafkajs Admin has them all). */
export type TopicAdmin = Pick<
  Admin,
  'listTopics' | 'fetchTopicMetadata' | 'createTopics' | 'createPartitions' | 'describeConfigs' | 'alterConfigs'
>;

export interface TopicPlan {
  readonly create: readonly TopicSpec[];
  readonly addPartitions: readonly { readonly name: string; readonly from: number; readonly to: number }[];
  /** Topics with more partitions than defined: left as they are, since Kafka cannot shrink a topic. */
  readonly keptLarger: readonly { readonly name: string; readonly existing: number; readonly wanted: number }[];
  readonly unchanged: readonly string[];
}

export interface EnsureTopicsResult extends TopicPlan {
  /** Existing topics whose retention.ms was changed. */
  readonly retentionUpdated: readonly string[];
  /** Overrides a retention change did not re-send because they are outside `alterableConfigs`. */
  readonly overridesNotResent: readonly { readonly topic: string; readonly keys: readonly string[] }[];
}

export interface EnsureTopicsOptions {
  /**
   * Topic config keys the cluster lets a client alter. A retention change sends retention.ms and,
   * because AlterConfigs replaces a topic's whole dynamic configuration, the topic's other overrides;
   * with this set, only those among them that it names. Unset: every override is re-sent.
   * @default - any key
   */
  readonly alterableConfigs?: ReadonlySet<string>;
}

/**
 * The topic configs MSK Serverless lets a client alter, as listed on the "Amazon MSK Serverless
 * configurations" page; it refuses an AlterConfigs request naming any other key. cleanup.policy is
 * on that page too, but editable only when the topic is created, so it is never re-sent.
 */
export const MSK_SERVERLESS_ALTERABLE_TOPIC_CONFIGS: ReadonlySet<string> = new Set([
  'compression.type',
  'max.message.bytes',
  'message.timestamp.difference.max.ms',
  'message.timestamp.type',
  'retention.bytes',
  'retention.ms',
]);

export class TopicProvisioningError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TopicProvisioningError';
  }
}

const RETENTION_MS = 'retention.ms';

/** Decides what to change, given the partition count of each existing topic. Pure. */
export function planTopicChanges(existing: ReadonlyMap<string, number>, wanted: readonly TopicSpec[]): TopicPlan {
  checkSpecs(wanted);
  const create: TopicSpec[] = [];
  const addPartitions: { name: string; from: number; to: number }[] = [];
  const keptLarger: { name: string; existing: number; wanted: number }[] = [];
  const unchanged: string[] = [];
  for (const spec of wanted) {
    const current = existing.get(spec.name);
    if (current === undefined) create.push(spec);
    else if (current < spec.partitions) addPartitions.push({ name: spec.name, from: current, to: spec.partitions });
    else if (current > spec.partitions) keptLarger.push({ name: spec.name, existing: current, wanted: spec.partitions });
    else unchanged.push(spec.name);
  }
  return { create, addPartitions, keptLarger, unchanged };
}

/**
 * Creates, grows and configures the topics so the cluster holds every spec; idempotent.
 * @throws TopicProvisioningError naming the topics when a step fails or the cluster does not end up as asked.
 */
export async function ensureTopics(
  admin: TopicAdmin,
  topics: readonly TopicSpec[],
  options: EnsureTopicsOptions = {},
): Promise<EnsureTopicsResult> {
  checkSpecs(topics);
  const before = await step('listing topics', () => partitionCounts(admin, topics));
  const plan = planTopicChanges(before, topics);

  if (plan.create.length > 0) {
    const names = plan.create.map((t) => t.name).join(', ');
    // false means another client created some of them meanwhile; the final check covers that case.
    await step(`creating topics ${names}`, () =>
      admin.createTopics({
        waitForLeaders: true,
        topics: plan.create.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor,
          configEntries: [{ name: RETENTION_MS, value: String(t.retentionMs) }],
        })),
      }),
    );
  }
  if (plan.addPartitions.length > 0) {
    const names = plan.addPartitions.map((t) => `${t.name} (${t.from} -> ${t.to})`).join(', ');
    await step(`adding partitions to ${names}`, () =>
      admin.createPartitions({ topicPartitions: plan.addPartitions.map((t) => ({ topic: t.name, count: t.to })) }),
    );
  }
  const created = new Set(plan.create.map((t) => t.name));
  const retentionUpdated: string[] = [];
  const overridesNotResent: { topic: string; keys: string[] }[] = [];
  for (const spec of topics) {
    if (created.has(spec.name)) continue;
    const change = await step(`setting ${RETENTION_MS} of ${spec.name}`, () => setRetention(admin, spec, options.alterableConfigs));
    if (change) {
      retentionUpdated.push(spec.name);
      if (change.leftOut.length > 0) overridesNotResent.push({ topic: spec.name, keys: change.leftOut });
    }
  }

  const after = await step('checking the topics', () => partitionCounts(admin, topics));
  const wrong = topics
    .filter((t) => (after.get(t.name) ?? 0) < t.partitions)
    .map((t) => `${t.name} has ${after.get(t.name) ?? 'no'} partitions, wanted ${t.partitions}`);
  if (wrong.length > 0) throw new TopicProvisioningError(`topics are not as defined after provisioning: ${wrong.join('; ')}`);
  return { ...plan, retentionUpdated, overridesNotResent };
}

/** Partition counts of those wanted topics that exist. */
async function partitionCounts(admin: TopicAdmin, topics: readonly TopicSpec[]): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const present = topics.map((t) => t.name).filter((name) => existing.has(name));
  const counts = new Map<string, number>();
  if (present.length === 0) return counts;
  const metadata = await admin.fetchTopicMetadata({ topics: present });
  for (const topic of metadata.topics) counts.set(topic.name, topic.partitions.length);
  return counts;
}

/** Sets retention.ms when it differs; returns undefined when it was already right. */
async function setRetention(
  admin: TopicAdmin,
  spec: TopicSpec,
  alterable: ReadonlySet<string> | undefined,
): Promise<{ leftOut: string[] } | undefined> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: spec.name }],
  });
  const resource = described.resources[0];
  if (resource?.errorCode !== 0) {
    throw new Error(resource?.errorMessage || `no configuration returned (error code ${resource?.errorCode})`);
  }
  const wanted = String(spec.retentionMs);
  const current = resource.configEntries.find((e) => e.configName === RETENTION_MS);
  if (current?.configValue === wanted) return undefined;
  // AlterConfigs replaces the topic's whole dynamic configuration: carry the other overrides over,
  // but only keys the cluster lets a client alter (MSK Serverless refuses the request otherwise).
  const others = resource.configEntries
    .filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && e.configName !== RETENTION_MS)
    .filter((e) => e.configValue !== null);
  const overrides = others
    .filter((e) => alterable === undefined || alterable.has(e.configName))
    .map((e) => ({ name: e.configName, value: e.configValue }));
  const leftOut = others.filter((e) => alterable !== undefined && !alterable.has(e.configName)).map((e) => e.configName);
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: spec.name,
        configEntries: [...overrides, { name: RETENTION_MS, value: wanted }],
      },
    ],
  });
  return { leftOut };
}

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TopicProvisioningError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new TopicProvisioningError(`${what} failed: ${reason}`, { cause: error });
  }
}

function checkSpecs(topics: readonly TopicSpec[]): void {
  const seen = new Set<string>();
  for (const t of topics) {
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(t.name)) {
      throw new TopicProvisioningError(`topic name must be 1-249 of [a-zA-Z0-9._-], got "${t.name}"`);
    }
    if (seen.has(t.name)) throw new TopicProvisioningError(`topic "${t.name}" is listed twice`);
    seen.add(t.name);
    if (!Number.isInteger(t.partitions) || t.partitions < 1) {
      throw new TopicProvisioningError(`topic "${t.name}": partitions must be a positive integer, got ${t.partitions}`);
    }
    if (!Number.isInteger(t.replicationFactor) || t.replicationFactor < 1) {
      throw new TopicProvisioningError(`topic "${t.name}": replication factor must be a positive integer, got ${t.replicationFactor}`);
    }
    if (!Number.isInteger(t.retentionMs) || (t.retentionMs < 1 && t.retentionMs !== -1)) {
      throw new TopicProvisioningError(`topic "${t.name}": retentionMs must be positive or -1, got ${t.retentionMs}`);
    }
  }
}
