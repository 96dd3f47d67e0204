/**
 * Which poller mode and failure destination the twin's mappings emulate: those of a deployed
 * environment, read from cdk.json by the same reader the CDK app uses (src/config), so the twin
 * and the stack cannot disagree. Setting eventSource.minPollers or maxPollers makes provisioned
 * mode (prod in cdk.json); without them a deployment is on-demand (dev).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readConfig, TributaryConfigError } from '../../src/config/read-config.js';
import { usesProvisionedPollers } from '../../src/config/tributary-config.js';
import { CliUsageError } from '../cli-error.js';
import type { FailureDestinationKind, PollerMode } from '../event-source-mapping/poller-mode.js';

export interface DeploymentMode {
  /** The cdk.json environment it was read from. */
  readonly environment: string;
  readonly pollerMode: PollerMode;
  readonly failureDestination: FailureDestinationKind;
}

export const DEFAULT_ENVIRONMENT = 'dev';
const CDK_JSON = fileURLToPath(new URL('../../cdk.json', import.meta.url));

/**
 * The mode of `environment` as cdk.json configures it; `pollerMode` overrides the mode (a Kafka
 * destination needs provisioned mode, so an on-demand override keeps the SQS format).
 */
export function readDeploymentMode(environment = DEFAULT_ENVIRONMENT, pollerMode?: PollerMode, cdkJsonPath = CDK_JSON): DeploymentMode {
  let context: Record<string, unknown>;
  try {
    context = (JSON.parse(readFileSync(cdkJsonPath, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
  } catch (error) {
    throw new CliUsageError(
      `cannot read the deployment configuration ${cdkJsonPath}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  let config: ReturnType<typeof readConfig>;
  try {
    config = readConfig({ ...context, environment });
  } catch (error) {
    if (error instanceof TributaryConfigError) throw new CliUsageError(error.message);
    throw error;
  }
  const configured: PollerMode = usesProvisionedPollers(config) ? 'provisioned' : 'on-demand';
  const mode = pollerMode ?? configured;
  const destination = config.eventSource.failureDestination;
  return { environment, pollerMode: mode, failureDestination: mode === 'on-demand' ? 'sqs' : destination };
}
