/**
 * `tributary invoke <function> <event.json>`: runs the real handler on a stored event, like
 * `sam local invoke`. Records it would produce are printed as JSON lines; sink writes to the store.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createStageHandler } from '../../functions/shared/stage-handlers.js';
import { ReferenceDataCache, storeReferenceData } from '../../src/enrichment/reference-data.js';
import type { MskEvent } from '../../src/kafka/msk-event.js';
import { pipeline, STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { StageOutcome } from '../../src/stages/stage-outcome.js';
import { CliUsageError } from '../cli-error.js';
import { functionArnFor } from '../esm/failure-envelope.js';
import { executionEnvironmentLogStream, lambdaContext } from '../esm/lambda-context.js';
import { printingPublisher } from './printing-publisher.js';
import { openStoreForWriting, twinServing } from './store-access.js';

export interface InvokeOptions {
  dataDir?: string;
}

function readEvent(path: string): MskEvent {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliUsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
  if (event === null || typeof event !== 'object' || typeof (event as MskEvent).records !== 'object') {
    throw new CliUsageError(`${path} is not a Kafka event: it has no "records" object`);
  }
  return event as MskEvent;
}

export async function invokeCommand(functionName: string, eventPath: string, options: InvokeOptions): Promise<void> {
  if (!(STAGE_NAMES as readonly string[]).includes(functionName)) {
    throw new CliUsageError(`unknown function "${functionName}"; choose one of: ${STAGE_NAMES.join(', ')}`);
  }
  const stage = functionName as StageName;
  const event = readEvent(eventPath);
  const publisher = printingPublisher(process.stdout);
  const logger = new Logger({ serviceName: stage, logLevel: 'WARN' });
  let outcome: StageOutcome | undefined;

  checkTopics(stage, event, eventPath);
  const location = { dataDir: options.dataDir };
  const twin = stage === 'ingest' ? undefined : twinServing(location);
  if (twin) {
    throw new CliUsageError(
      `the local twin (pid ${twin.pid}, ${twin.url}) owns the store; \`invoke ${stage}\` cannot open it beside the twin. ` +
        'Send events through the twin instead (`tributary produce`, or POST /events), or stop it first',
    );
  }
  const store = stage === 'ingest' ? undefined : await openStoreForWriting(`tributary invoke ${stage}`, location);
  try {
    const needs = store ? { store: store.client, reference: new ReferenceDataCache(storeReferenceData(store.client)) } : {};
    const handler = createStageHandler(stage, { pipeline, publisher, logger, onOutcome: (o: StageOutcome) => (outcome = o), ...needs });
    const response = await handler(event, invocationContext(stage, event));
    const summary = outcome ? { ...outcome, latenciesMs: undefined } : {};
    process.stderr.write(
      `${stage}: ${JSON.stringify({ ...summary, printed: publisher.count, response })}${store ? ` (store: ${store.description})` : ''}\n`,
    );
  } finally {
    await store?.close();
  }
}

/** The context Lambda would pass: the function named as the twin names it, a fresh request id. */
function invocationContext(stage: StageName, event: MskEvent): Context {
  const functionName = `${pipeline.name}-${stage}`;
  const { memoryMb, timeoutSeconds } = pipeline.stages[stage];
  const fn = {
    functionName,
    invokedFunctionArn: functionArnFor(functionName, event.eventSourceArn),
    memoryMb,
    timeoutMs: timeoutSeconds * 1000,
    logStreamName: executionEnvironmentLogStream(),
  };
  return lambdaContext(fn, randomUUID());
}

/**
 * A stage's handler given another stage's records sets every one aside with exit 0, which reads
 * like a result: an event whose records come from another stage's input topic is refused instead.
 */
function checkTopics(stage: StageName, event: MskEvent, path: string): void {
  const expected = pipeline.stages[stage].inputTopic;
  const topics = new Set(Object.values(event.records).flatMap((records) => (Array.isArray(records) ? records.map((r) => r.topic) : [])));
  for (const topic of topics) {
    const reader = STAGE_NAMES.find((s) => s !== stage && pipeline.stages[s].inputTopic === topic);
    if (reader) {
      throw new CliUsageError(
        `${path} holds records of ${topic}, which the ${reader} function reads; ${stage} reads ${expected}. ` +
          `Run \`tributary invoke ${reader} ${path}\`, or use an event from events/${stage}/`,
      );
    }
  }
}
