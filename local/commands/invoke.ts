/**
 * `tributary invoke <function> <event.json>`: runs the real handler on a stored event, like
 * `sam local invoke`. Records it would produce are printed as JSON lines; sink writes to the store.
 */
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { createEnrichHandler } from '../../functions/enrich/handler.js';
import { createIngestHandler } from '../../functions/ingest/handler.js';
import type { StageHandler } from '../../functions/shared/stage-handler.js';
import { createSinkHandler } from '../../functions/sink/handler.js';
import { ReferenceDataCache, storeReferenceData } from '../../src/enrichment/reference-data.js';
import type { MskEvent } from '../../src/kafka/msk-event.js';
import { pipeline, STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { StageOutcome } from '../../src/stages/stage-outcome.js';
import { CliUsageError } from '../cli-error.js';
import { openPreparedStore } from './prepared-store.js';
import { printingPublisher } from './printing-publisher.js';

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
  const common = { pipeline, publisher, logger, onOutcome: (o: StageOutcome) => (outcome = o) };

  const store = stage === 'ingest' ? undefined : await openPreparedStore({ dataDir: options.dataDir });
  try {
    let handler: StageHandler;
    if (stage === 'ingest') handler = createIngestHandler(common);
    else if (stage === 'enrich')
      handler = createEnrichHandler({
        ...common,
        reference: new ReferenceDataCache(storeReferenceData((store as NonNullable<typeof store>).client)),
      });
    else handler = createSinkHandler({ ...common, store: (store as NonNullable<typeof store>).client });
    const response = await handler(event);
    const summary = outcome ? { ...outcome, latenciesMs: undefined } : {};
    process.stderr.write(
      `${stage}: ${JSON.stringify({ ...summary, printed: publisher.count, response })}${store ? ` (store: ${store.description})` : ''}\n`,
    );
  } finally {
    await store?.client.close();
  }
}
