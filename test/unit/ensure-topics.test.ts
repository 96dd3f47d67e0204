import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ensureTopics,
  MSK_SERVERLESS_ALTERABLE_TOPIC_CONFIGS,
  planTopicChanges,
  type TopicPlan,
  TopicProvisioningError,
} from '../../src/kafka/ensure-topics.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { type TopicSpec, topicSpecsFromPipeline } from '../../src/pipeline/topic-specs.js';
import { InMemoryTopicAdmin } from '../helpers/in-memory-topic-admin.js';

const spec = (name: string, partitions: number): TopicSpec => ({
  name,
  partitions,
  replicationFactor: 3,
  retentionMs: 3_600_000,
});

/** What a cluster holds after the plan is carried out. */
function apply(existing: ReadonlyMap<string, number>, plan: TopicPlan): Map<string, number> {
  const after = new Map(existing);
  for (const t of plan.create) after.set(t.name, t.partitions);
  for (const t of plan.addPartitions) after.set(t.name, t.to);
  return after;
}

describe('planTopicChanges', () => {
  it('creates missing topics, grows smaller ones, keeps larger and equal ones', () => {
    const existing = new Map([
      ['equal', 6],
      ['smaller', 2],
      ['larger', 12],
      ['unrelated', 1],
    ]);
    const plan = planTopicChanges(existing, [spec('missing', 4), spec('equal', 6), spec('smaller', 6), spec('larger', 6)]);
    expect(plan.create.map((t) => [t.name, t.partitions])).toEqual([['missing', 4]]);
    expect(plan.addPartitions).toEqual([{ name: 'smaller', from: 2, to: 6 }]);
    expect(plan.keptLarger).toEqual([{ name: 'larger', existing: 12, wanted: 6 }]);
    expect(plan.unchanged).toEqual(['equal']);
  });

  it('is idempotent and never shrinks a topic, whatever the cluster holds', () => {
    const names = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    fc.assert(
      fc.property(
        fc.dictionary(names, fc.integer({ min: 1, max: 50 })),
        fc.uniqueArray(fc.tuple(names, fc.integer({ min: 1, max: 50 })), { selector: ([n]) => n }),
        (existingRecord, wantedPairs) => {
          const existing = new Map(Object.entries(existingRecord));
          const wanted = wantedPairs.map(([n, p]) => spec(n, p));
          const after = apply(existing, planTopicChanges(existing, wanted));
          for (const [name, partitions] of existing) expect(after.get(name)).toBeGreaterThanOrEqual(partitions);
          for (const t of wanted) expect(after.get(t.name)).toBeGreaterThanOrEqual(t.partitions);
          const again = planTopicChanges(after, wanted);
          expect(again.create).toEqual([]);
          expect(again.addPartitions).toEqual([]);
        },
      ),
    );
  });

  it('rejects specs that no cluster could satisfy, naming the topic', () => {
    expect(() => planTopicChanges(new Map(), [spec('a', 1), spec('a', 2)])).toThrow(/topic "a" is listed twice/);
    expect(() => planTopicChanges(new Map(), [spec('a', 0)])).toThrow(/topic "a": partitions must be a positive integer, got 0/);
    expect(() => planTopicChanges(new Map(), [{ ...spec('a', 1), replicationFactor: 0 }])).toThrow(TopicProvisioningError);
    expect(() => planTopicChanges(new Map(), [{ ...spec('a', 1), retentionMs: 0 }])).toThrow(/retentionMs/);
    expect(() => planTopicChanges(new Map(), [spec('no spaces', 1)])).toThrow(/topic name/);
  });
});

describe('topicSpecsFromPipeline', () => {
  it('takes names, partitions, replication and retention from the pipeline definition', () => {
    const pipeline = definePipeline({ name: 'shop', partitions: 8, retentionHours: 24 });
    const specs = topicSpecsFromPipeline(pipeline);
    // The pipeline's own topics and the change topics of the shop database.
    const defined = [...Object.values(pipeline.topics), ...pipeline.changeCapture.topics];
    expect(specs.map((t) => t.name).sort()).toEqual(defined.map((t) => t.name).sort());
    expect(specs.map((t) => t.name)).toContain('shop-shop.public.orders');
    for (const t of defined) {
      expect(specs.find((s) => s.name === t.name)).toEqual({
        name: t.name,
        partitions: t.partitions,
        replicationFactor: t.replicationFactor,
        retentionMs: t.retentionHours * 3_600_000,
      });
    }
  });
});

describe('ensureTopics', () => {
  const wanted = [spec('raw', 6), spec('dlq', 3)];

  it('creates missing topics with their retention, then finds nothing to do on a second run', async () => {
    const admin = new InMemoryTopicAdmin();
    const first = await ensureTopics(admin, wanted);
    expect(first.create.map((t) => t.name)).toEqual(['raw', 'dlq']);
    expect(admin.topics.get('raw')).toEqual({ partitions: 6, configs: new Map([['retention.ms', '3600000']]) });

    admin.calls.length = 0;
    const second = await ensureTopics(admin, wanted);
    expect(second.unchanged).toEqual(['raw', 'dlq']);
    expect(second.retentionUpdated).toEqual([]);
    expect(admin.calls).toEqual([]);
  });

  it('grows a smaller topic, keeps a larger one, and updates retention keeping other overrides', async () => {
    const admin = new InMemoryTopicAdmin();
    admin.topics.set('raw', {
      partitions: 2,
      configs: new Map([
        ['retention.ms', '1'],
        ['cleanup.policy', 'compact'],
      ]),
    });
    admin.topics.set('dlq', { partitions: 9, configs: new Map([['retention.ms', '3600000']]) });
    const result = await ensureTopics(admin, wanted);
    expect(result.addPartitions).toEqual([{ name: 'raw', from: 2, to: 6 }]);
    expect(result.keptLarger).toEqual([{ name: 'dlq', existing: 9, wanted: 3 }]);
    expect(result.retentionUpdated).toEqual(['raw']);
    expect(admin.topics.get('raw')).toEqual({
      partitions: 6,
      configs: new Map([
        ['cleanup.policy', 'compact'],
        ['retention.ms', '3600000'],
      ]),
    });
    expect(admin.topics.get('dlq')?.partitions).toBe(9);
  });

  it('on MSK Serverless re-sends only the overrides it lets a client alter, and says which it left out', async () => {
    const admin = new InMemoryTopicAdmin();
    admin.topics.set('raw', {
      partitions: 6,
      configs: new Map([
        ['retention.ms', '1'],
        ['cleanup.policy', 'delete'],
        ['min.insync.replicas', '2'],
      ]),
    });
    // Like MSK Serverless: an AlterConfigs request naming a key outside the list is refused whole.
    const apply = admin.alterConfigs.bind(admin);
    const sent: string[][] = [];
    admin.alterConfigs = async (options) => {
      const keys = options.resources.flatMap((r) => r.configEntries.map((e) => e.name));
      sent.push(keys);
      const refused = keys.filter((k) => !MSK_SERVERLESS_ALTERABLE_TOPIC_CONFIGS.has(k));
      if (refused.length > 0) throw new Error(`InvalidRequestException: cannot alter ${refused.join(', ')}`);
      return apply(options);
    };
    await expect(ensureTopics(admin, [spec('raw', 6)])).rejects.toThrow(/cannot alter cleanup.policy, min.insync.replicas/);

    const result = await ensureTopics(admin, [spec('raw', 6)], { alterableConfigs: MSK_SERVERLESS_ALTERABLE_TOPIC_CONFIGS });
    expect(result.retentionUpdated).toEqual(['raw']);
    // cleanup.policy is editable on Serverless only when the topic is created.
    expect(result.overridesNotResent).toEqual([{ topic: 'raw', keys: ['cleanup.policy', 'min.insync.replicas'] }]);
    expect(sent.at(-1)).toEqual(['retention.ms']);
    expect(admin.topics.get('raw')?.configs.get('retention.ms')).toBe('3600000');
  });

  it('sends no AlterConfigs when retention is already as defined', async () => {
    const admin = new InMemoryTopicAdmin();
    admin.topics.set('raw', { partitions: 6, configs: new Map([['retention.ms', '3600000']]) });
    const result = await ensureTopics(admin, [spec('raw', 6)], { alterableConfigs: MSK_SERVERLESS_ALTERABLE_TOPIC_CONFIGS });
    expect(result.retentionUpdated).toEqual([]);
    expect(admin.calls.filter((c) => c.startsWith('alterConfigs'))).toEqual([]);
  });

  it('reports a creation the cluster did not carry out, and a failed step, as failures', async () => {
    const silent = new InMemoryTopicAdmin();
    silent.dropCreates = true;
    await expect(ensureTopics(silent, wanted)).rejects.toThrow(
      'topics are not as defined after provisioning: raw has no partitions, wanted 6; dlq has no partitions, wanted 3',
    );

    const failing = new InMemoryTopicAdmin();
    failing.topics.set('raw', { partitions: 2, configs: new Map() });
    failing.createPartitions = async () => {
      throw new Error('Not authorized to access topics: [Topic authorization failed]');
    };
    await expect(ensureTopics(failing, [spec('raw', 6)])).rejects.toThrow(
      'adding partitions to raw (2 -> 6) failed: Not authorized to access topics: [Topic authorization failed]',
    );
  });
});
