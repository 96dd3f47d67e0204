/**
 * The topic custom resource's lifecycle, independent of Lambda: Create and Update make the cluster
 * hold the topics (create, grow, set retention; never shrink), Delete keeps them unless the
 * resource asks for deletion. Every failure propagates, so CloudFormation sees the deploy fail.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import type { Admin } from 'kafkajs';
import { z } from 'zod';
import { ensureTopics, MSK_SERVERLESS_ALTERABLE_TOPIC_CONFIGS, type TopicAdmin } from '../../src/kafka/ensure-topics.js';
import type { TopicSpec } from '../../src/pipeline/topic-specs.js';
import { arrayOf, flagProperty, jsonProperty, parseProperties } from '../shared/resource-properties.js';

/** What the handler needs from a Kafka admin client. */
export type TopicsResourceAdmin = TopicAdmin & Pick<Admin, 'deleteTopics'>;

export interface TopicsResourceRequest {
  readonly topics: readonly TopicSpec[];
  readonly deleteOnRemoval: boolean;
}

export class TopicsResourceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TopicsResourceError';
  }
}

const topicsProperties = z.object({
  Topics: jsonProperty(
    arrayOf(
      z.object({ name: z.string(), partitions: z.number(), replicationFactor: z.number(), retentionMs: z.number() }),
      'must have name, partitions, replicationFactor and retentionMs',
      'must be a non-empty array',
    ).refine((topics) => topics.length > 0, { error: 'must be a non-empty array' }),
    'a JSON string of topic specs',
  ),
  DeleteOnRemoval: flagProperty(),
});

/** Reads the resource properties (`Topics`: JSON array of specs, `DeleteOnRemoval`: "true" | "false"). */
export function parseTopicsProperties(properties: Record<string, unknown>): TopicsResourceRequest {
  const { Topics, DeleteOnRemoval } = parseProperties(topicsProperties, properties, (message) => new TopicsResourceError(message));
  return { topics: Topics, deleteOnRemoval: DeleteOnRemoval };
}

/** Runs fn with a connected admin client, disconnecting afterwards. */
export type WithAdmin = <T>(fn: (admin: TopicsResourceAdmin) => Promise<T>) => Promise<T>;

/**
 * Handles one lifecycle event. The admin client is only opened when the cluster must be touched,
 * so removing a stack whose topics are retained never depends on reaching the cluster.
 */
export async function handleTopicsEvent(
  event: CdkCustomResourceEvent,
  withAdmin: WithAdmin,
  logger: Pick<Logger, 'info'>,
  physicalResourceId: string,
): Promise<CdkCustomResourceResponse> {
  const request = parseTopicsProperties(event.ResourceProperties as Record<string, unknown>);
  const names = request.topics.map((t) => t.name);

  if (event.RequestType === 'Delete') {
    if (!request.deleteOnRemoval) {
      logger.info('topics retained on removal', { topics: names });
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const present = await withAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics());
      const found = names.filter((n) => existing.has(n));
      if (found.length > 0) await admin.deleteTopics({ topics: found });
      return found;
    });
    logger.info('topics deleted', { topics: present });
    return { PhysicalResourceId: event.PhysicalResourceId };
  }

  // The resource keeps the topics of MSK Serverless (provisioned clusters use AWS::MSK::Topic).
  const result = await withAdmin((admin) =>
    ensureTopics(admin, request.topics, { alterableConfigs: MSK_SERVERLESS_ALTERABLE_TOPIC_CONFIGS }),
  );
  logger.info('topics ensured', {
    created: result.create.map((t) => t.name),
    partitionsAdded: result.addPartitions,
    keptLarger: result.keptLarger,
    retentionUpdated: result.retentionUpdated,
    overridesNotResent: result.overridesNotResent,
  });
  return {
    PhysicalResourceId: event.RequestType === 'Update' ? event.PhysicalResourceId : physicalResourceId,
    Data: { Topics: names.join(',') },
  };
}
