/**
 * Query function behind the HTTP API (payload format 2.0): GET /query/{name}?params answered by
 * the named analytics over Aurora PostgreSQL. Thin: the request is mapped to the shared adapter.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { handleQueryRequest } from '../../src/analytics/http-query-adapter.js';
import { createPostgresClient, postgresConfigFromEnv } from '../../src/store/postgres-client.js';

const logger = new Logger({ serviceName: 'tributary-query' });
// Created once per execution environment; connections are opened on first use and reused.
const store = createPostgresClient({ ...postgresConfigFromEnv(), maxConnections: 2 });

export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  const response = await handleQueryRequest(
    store,
    { method: event.requestContext.http.method, path: event.rawPath, query: event.queryStringParameters ?? {} },
    {
      requestId: context.awsRequestId,
      onError: (error, info) => logger.error('query failed', { ...info, error: error instanceof Error ? error : String(error) }),
    },
  );
  if (response.statusCode >= 400 && response.statusCode < 500) {
    logger.info('query refused', { statusCode: response.statusCode, path: event.rawPath });
  }
  return response;
}
