/**
 * One Kafka-triggered stage of the pipeline on AWS: its function, what it produces to, the store
 * when it uses one, and the event source mapping that feeds it from its input topic.
 *
 * The function and its mapping are created in the stack itself, under the ids they always had
 * (`IngestFunction`, ...): resources nested under this construct would get new logical ids, and
 * CloudFormation would replace them.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { ManagedKafkaEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct, type IDependable } from 'constructs';
import type { StageDefinition } from '../../src/pipeline/definition.js';
import type { KafkaClusterTarget, StoreTarget } from './function-targets.js';
import { type FunctionSettings, PipelineFunction } from './pipeline-function.js';
import { type ProvisionedPollers, stageMappingProps } from './stage-mapping.js';

export interface PipelineStageProps {
  readonly definition: StageDefinition;
  readonly settings: FunctionSettings;
  readonly cluster: KafkaClusterTarget;
  /** The mapping's failure destination. */
  readonly onFailure: lambda.IEventSourceDlq;
  /** The failures topic when the failure destination is Kafka: the mapping writes there with the function's role. */
  readonly failureTopic?: string;
  /** Provisioned mode when set. @default - on-demand */
  readonly provisioned?: ProvisionedPollers;
  /** Used by stages whose definition says usesStore. */
  readonly store: { readonly database: StoreTarget; readonly dbUser: string; readonly schemaReady: IDependable };
  /** The topics exist. */
  readonly topicsReady: IDependable;
}

/** `catalogue-orders` -> `CatalogueOrders`: construct ids from stage names. */
export const pascalCase = (name: string): string => name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

export class PipelineStage extends Construct {
  readonly function: PipelineFunction;
  readonly mapping: ManagedKafkaEventSource;

  constructor(scope: Construct, id: string, props: PipelineStageProps) {
    super(scope, id);
    const { definition, cluster } = props;
    const fn = new PipelineFunction(Stack.of(this), `${pascalCase(definition.name)}Function`, {
      name: definition.name,
      description: `${definition.name}: ${definition.description}`,
      settings: props.settings,
      memoryMb: definition.memoryMb,
      timeout: Duration.seconds(definition.timeoutSeconds),
    });
    fn.bindKafkaProducer(cluster, props.failureTopic ? [...definition.outputTopics, props.failureTopic] : definition.outputTopics);
    if (definition.usesStore) {
      fn.bindStore(props.store.database, props.store.dbUser);
      fn.node.addDependency(props.store.schemaReady);
    }
    this.mapping = fn.bindKafkaConsumer(
      cluster,
      stageMappingProps(definition, { onFailure: props.onFailure, ...(props.provisioned ? { provisioned: props.provisioned } : {}) }),
    );
    fn.node.addDependency(props.topicsReady);
    this.function = fn;
  }
}
