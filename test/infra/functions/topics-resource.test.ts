/**
 * The topic custom resource's lifecycle against an in-memory Kafka admin (no Kafka with the admin
 * API runs on the test machine: the embedded mock cluster does not serve it). The topic logic
 * itself is ensureTopics', tested in test/unit/ensure-topics.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  handleTopicsEvent,
  parseTopicsProperties,
  TopicsResourceError,
  type WithAdmin,
} from '../../../functions/topics/topics-resource.js';
import { definePipeline } from '../../../src/pipeline/definition.js';
import { topicSpecsFromPipeline } from '../../../src/pipeline/topic-specs.js';
import { customResourceEvents } from '../../helpers/custom-resource-events.js';
import { InMemoryTopicAdmin } from '../../helpers/in-memory-topic-admin.js';

const pipeline = definePipeline();
const SPECS = topicSpecsFromPipeline(pipeline);

/** Counts connections, as the handler would open and close them. */
function connector(admin: InMemoryTopicAdmin): { withAdmin: WithAdmin; opened: () => number } {
  let opened = 0;
  return {
    withAdmin: async (fn) => {
      opened++;
      return fn(admin);
    },
    opened: () => opened,
  };
}

const logger = { info: () => {} };
const PHYSICAL_ID = 'topics@arn:aws:kafka:eu-west-1:123456789012:cluster/storefront-dev/abc';

const event = customResourceEvents({
  logicalResourceId: 'Topics',
  resourceType: 'Custom::TributaryTopics',
  physicalResourceId: PHYSICAL_ID,
});
const props = (topics = SPECS, deleteOnRemoval = 'false') => ({ Topics: JSON.stringify(topics), DeleteOnRemoval: deleteOnRemoval });

describe('topics custom resource', () => {
  it('creates every topic of the definition with its partitions and retention', async () => {
    const admin = new InMemoryTopicAdmin();
    const response = await handleTopicsEvent(event('Create', props()), connector(admin).withAdmin, logger, PHYSICAL_ID);
    expect(response.PhysicalResourceId).toBe(PHYSICAL_ID);
    for (const spec of SPECS) {
      expect(admin.topics.get(spec.name)).toEqual({
        partitions: spec.partitions,
        configs: new Map([['retention.ms', String(spec.retentionMs)]]),
      });
    }
  });

  it('on update grows partitions and changes retention, and never shrinks a topic', async () => {
    const admin = new InMemoryTopicAdmin();
    await handleTopicsEvent(event('Create', props()), connector(admin).withAdmin, logger, PHYSICAL_ID);
    const raw = pipeline.topics.raw.name;
    const dlq = pipeline.topics.dlq.name;
    const changed = SPECS.map((s) =>
      s.name === raw ? { ...s, partitions: s.partitions + 6, retentionMs: 3_600_000 } : s.name === dlq ? { ...s, partitions: 1 } : s,
    );
    const response = await handleTopicsEvent(event('Update', props(changed)), connector(admin).withAdmin, logger, 'other');
    expect(response.PhysicalResourceId).toBe(PHYSICAL_ID);
    expect(admin.topics.get(raw)).toEqual({
      partitions: pipeline.topics.raw.partitions + 6,
      configs: new Map([['retention.ms', '3600000']]),
    });
    expect(admin.topics.get(dlq)?.partitions).toBe(pipeline.topics.dlq.partitions);
  });

  it('keeps the topics on delete, without touching the cluster', async () => {
    const admin = new InMemoryTopicAdmin();
    await handleTopicsEvent(event('Create', props()), connector(admin).withAdmin, logger, PHYSICAL_ID);
    const connection = connector(admin);
    const response = await handleTopicsEvent(event('Delete', props()), connection.withAdmin, logger, PHYSICAL_ID);
    expect(response.PhysicalResourceId).toBe(PHYSICAL_ID);
    expect(connection.opened()).toBe(0);
    expect(admin.topics.size).toBe(SPECS.length);
  });

  it('deletes the topics on delete when asked to', async () => {
    const admin = new InMemoryTopicAdmin();
    await handleTopicsEvent(event('Create', props()), connector(admin).withAdmin, logger, PHYSICAL_ID);
    admin.topics.delete(pipeline.topics.failures.name); // already gone: not an error
    await handleTopicsEvent(event('Delete', props(SPECS, 'true')), connector(admin).withAdmin, logger, PHYSICAL_ID);
    expect(admin.topics.size).toBe(0);
  });

  it('fails the deployment when the cluster refuses a change', async () => {
    const admin = new InMemoryTopicAdmin();
    admin.createTopics = async () => {
      throw new Error('Cluster authorization failed');
    };
    await expect(handleTopicsEvent(event('Create', props()), connector(admin).withAdmin, logger, PHYSICAL_ID)).rejects.toThrow(
      /creating topics .* failed: Cluster authorization failed/,
    );
  });

  it('rejects malformed properties with a message naming the property', () => {
    expect(() => parseTopicsProperties({ Topics: '[' })).toThrow(TopicsResourceError);
    expect(() => parseTopicsProperties({ Topics: '[]' })).toThrow('property Topics must be a non-empty array');
    expect(() => parseTopicsProperties({ Topics: JSON.stringify([{ name: 'x' }]) })).toThrow(
      'Topics[0] must have name, partitions, replicationFactor and retentionMs',
    );
    expect(() => parseTopicsProperties({ Topics: JSON.stringify(SPECS), DeleteOnRemoval: 'yes' })).toThrow(
      'property DeleteOnRemoval must be "true" or "false", got "yes"',
    );
  });
});
