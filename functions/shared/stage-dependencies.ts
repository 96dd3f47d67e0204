/** What each Kafka-triggered function's handler is built from. */
import type { ChangeOutcome } from '../../src/cdc/change-stage.js';
import type { ReferenceDataCache } from '../../src/enrichment/reference-data.js';
import type { UserAgentClassifier } from '../../src/enrichment/user-agent-classifier.js';
import type { ChangeStageName, StageName } from '../../src/pipeline/definition.js';
import type { StageOutcome } from '../../src/stages/stage-outcome.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import type { HandlerDependencies, StageHandler } from './batch-handler.js';

/** The Kafka-triggered functions: the pipeline's stages and the change consumers. */
export type KafkaStage = StageName | ChangeStageName;

/** What each stage needs besides the dependencies every stage has. */
export interface StageNeeds {
  ingest: Record<never, never>;
  enrich: { reference: ReferenceDataCache; agents?: UserAgentClassifier };
  sink: { store: SqlClient };
  catalogue: { store: SqlClient };
  orders: { store: SqlClient };
}

interface StageOutcomes {
  ingest: StageOutcome;
  enrich: StageOutcome;
  sink: StageOutcome;
  catalogue: ChangeOutcome;
  orders: ChangeOutcome;
}

export type StageDependencies<S extends KafkaStage> = HandlerDependencies<StageOutcomes[S]> & StageNeeds[S];

export type StageHandlerFactory<S extends KafkaStage> = (deps: StageDependencies<S>) => StageHandler;
