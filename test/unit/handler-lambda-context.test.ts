import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStageHandler } from '../../functions/shared/stage-handlers.js';
import { lambdaContext } from '../../local/esm/lambda-context.js';
import { pipeline } from '../../src/pipeline/definition.js';
import { collectingPublisher, loadEvent } from '../helpers/fixtures.js';

const fn = {
  functionName: 'storefront-ingest',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:storefront-ingest',
  memoryMb: 512,
  timeoutMs: 60_000,
  logStreamName: '2026/12/07/[$LATEST]0123456789abcdef0123456789abcdef',
};

/** A handler whose logger and metrics print JSON lines to stdout, as on Lambda; the lines are captured. */
function setup() {
  // Powertools counts a cold start only in an on-demand execution environment; read at construction.
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
  const lines: Record<string, unknown>[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  });
  const handler = createStageHandler('ingest', {
    pipeline,
    publisher: collectingPublisher(),
    logger: new Logger({ serviceName: 'ingest', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: 'Tributary', serviceName: 'ingest' }),
  });
  return { handler, lines };
}

const coldStartMetrics = (lines: Record<string, unknown>[]) => lines.filter((line) => 'ColdStart' in line);

describe('stage handler with a Lambda context', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('logs the request id, function name and cold start of each invocation', async () => {
    const { handler, lines } = setup();

    await handler(loadEvent('ingest/valid-batch.json'), lambdaContext(fn, 'req-1'));
    await handler(loadEvent('ingest/valid-batch.json'), lambdaContext(fn, 'req-2'));

    const logs = lines.filter((line) => line.message === 'batch done');
    expect(logs.map((line) => [line.function_request_id, line.cold_start])).toEqual([
      ['req-1', true],
      ['req-2', false],
    ]);
    expect(logs[0]).toMatchObject({ function_name: 'storefront-ingest', function_memory_size: '512', function_arn: fn.invokedFunctionArn });
  });

  it('emits the ColdStart metric once, on the first invocation', async () => {
    const { handler, lines } = setup();

    await handler(loadEvent('ingest/valid-batch.json'), lambdaContext(fn, 'req-1'));
    expect(coldStartMetrics(lines)).toHaveLength(1);
    expect(coldStartMetrics(lines)[0]).toMatchObject({ ColdStart: 1, function_name: 'storefront-ingest', service: 'ingest' });

    await handler(loadEvent('ingest/valid-batch.json'), lambdaContext(fn, 'req-2'));
    await handler(loadEvent('ingest/valid-batch.json'), lambdaContext(fn, 'req-3'));
    expect(coldStartMetrics(lines)).toHaveLength(1);
  });

  it('runs without a context, as tests and the bench call it', async () => {
    const { handler, lines } = setup();

    await expect(handler(loadEvent('ingest/valid-batch.json'))).resolves.toEqual({ batchItemFailures: [] });
    expect(coldStartMetrics(lines)).toHaveLength(0);
    expect(lines.find((line) => line.message === 'batch done')).not.toHaveProperty('function_request_id');
  });
});
