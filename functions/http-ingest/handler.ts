/**
 * HTTP ingest function behind the API Gateway HTTP API (payload format 2.0): POST /events with a
 * batch of raw events, produced to the raw topic. Thin: the request is handled by ingest-request.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { memoiseUntilFailure } from '../../src/async/memoise-until-failure.js';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import { pipelineFromEnv, publisherFromEnv } from '../shared/function-environment.js';
import { handleIngestRequest } from './ingest-request.js';

const logger = new Logger({ serviceName: 'http-ingest' });
const pipeline = pipelineFromEnv();

// One producer per execution environment, connected on the first request and reused while warm;
// after a failure the next request resolves the brokers again.
const publisher = memoiseUntilFailure(() => publisherFromEnv('tributary-http-ingest'));

export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  const receivedAt = event.requestContext.timeEpoch;
  const request = {
    method: event.requestContext.http.method,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    contentType: event.headers['content-type'],
    receivedAt,
  };
  let ready: RecordPublisher;
  try {
    ready = await publisher.get();
  } catch (error) {
    logger.error('cannot reach Kafka', { error: error instanceof Error ? error : String(error) });
    return {
      statusCode: 503,
      headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' },
      body: JSON.stringify({ error: 'unavailable', message: 'the event store is unreachable; retry the batch' }),
    };
  }
  const response = await handleIngestRequest(request, {
    publisher: ready,
    topic: pipeline.topics.raw.name,
    onPublishError: (error) => logger.error('publish failed', { error: error instanceof Error ? error : String(error) }),
  });
  if (response.statusCode >= 400) logger.info('ingest refused', { statusCode: response.statusCode, body: response.body.slice(0, 500) });
  return response;
}
