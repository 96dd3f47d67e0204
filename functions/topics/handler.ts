/**
 * Custom resource handler (CDK provider framework, onEvent) that keeps the pipeline's topics on
 * MSK Serverless, through the Kafka admin API with IAM auth from inside the VPC. Thin: the
 * lifecycle is in topics-resource.ts, the topic logic in src/kafka/ensure-topics.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import { requireEnv } from '../../src/config/env.js';
import { connectionFromEnv, createKafka } from '../../src/kafka/kafka-client.js';
import { handleTopicsEvent, type WithAdmin } from './topics-resource.js';

const logger = new Logger({ serviceName: 'topics' });

export async function handler(event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse> {
  logger.info('topics resource event', { requestType: event.RequestType, logicalResourceId: event.LogicalResourceId });
  const clusterArn = requireEnv('MSK_CLUSTER_ARN');
  try {
    return await handleTopicsEvent(event, withAdmin, logger, `topics@${clusterArn}`);
  } catch (error) {
    logger.error('topics resource failed', { error: error instanceof Error ? error : String(error) });
    throw error;
  }
}

const withAdmin: WithAdmin = async (fn) => {
  const admin = createKafka(connectionFromEnv('tributary-topics')).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
};
