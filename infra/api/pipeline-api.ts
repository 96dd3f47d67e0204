/**
 * An HTTP API in front of one function: authorised on every route (IAM by default, or a JWT
 * issuer), throttled, with JSON access logs.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiConfig } from '../../src/config/tributary-config.js';

export interface PipelineApiRoute {
  readonly path: string;
  readonly methods: readonly apigw.HttpMethod[];
}

export interface PipelineApiProps {
  readonly apiName: string;
  readonly description: string;
  readonly handler: lambda.IFunction;
  readonly routes: readonly PipelineApiRoute[];
  readonly config: ApiConfig;
  readonly logRetention: logs.RetentionDays;
}

// HTTP API context variables ($context.identity.userArn is set for IAM-authorised callers).
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.userArn',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
};

export class PipelineApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;

  constructor(scope: Construct, id: string, props: PipelineApiProps) {
    super(scope, id);
    const { config } = props;
    const authorizer =
      config.auth === 'jwt'
        ? new HttpJwtAuthorizer(`${id}Jwt`, config.jwtIssuer ?? '', { jwtAudience: [...(config.jwtAudience ?? [])] })
        : new HttpIamAuthorizer();
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: props.apiName,
      description: props.description,
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.throttleRatePerSecond, burstLimit: config.throttleBurst },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    const integration = new HttpLambdaIntegration(`${id}Integration`, props.handler, {
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
    });
    for (const route of props.routes) {
      this.api.addRoutes({ path: route.path, methods: [...route.methods], integration });
    }
  }

  /** The stage's invoke URL. */
  get url(): string {
    return this.stage.url;
  }
}
