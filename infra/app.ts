/**
 * CDK app: reads the environment's configuration from context, builds its stack, and runs the
 * cdk-nag AwsSolutions checks on synthesis. Needs no AWS credentials and no network to synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig, TributaryConfigError } from '../src/config/read-config.js';
import { stackName, TributaryStack } from './tributary-stack.js';

const app = new App();
try {
  const config = readConfig(app.node.getAllContext());
  new TributaryStack(app, stackName(config), { config });
} catch (error) {
  if (!(error instanceof TributaryConfigError)) throw error;
  console.error(`error: ${error.message}`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
