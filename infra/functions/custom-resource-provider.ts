/**
 * A CDK provider framework in front of a custom resource handler, with its own log group and an
 * execution role that writes only there (the framework's default role carries
 * AWSLambdaBasicExecutionRole, which allows writing to any log group).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { acknowledgeProviderFramework } from '../nag/nag-acknowledgements.js';
import { FunctionRole } from './function-role.js';

export function customResourceProvider(
  scope: Construct,
  id: string,
  onEventHandler: lambda.IFunction,
  logRetention: logs.RetentionDays,
): cr.Provider {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
  const role = new FunctionRole(scope, `${id}Role`, {
    logGroup,
    inVpc: false,
    description: 'Custom resource provider framework: invokes its onEvent function',
  });
  acknowledgeProviderFramework(role, onEventHandler);
  return new cr.Provider(scope, id, { onEventHandler, logGroup, frameworkOnEventRole: role });
}
