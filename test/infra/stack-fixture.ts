/**
 * Builds the stack from CDK context the way infra/app.ts does (bundling included, with the local
 * esbuild), and reads the synthesized template in terms the tests can compare: intrinsic
 * functions rendered as strings, resources found by what they are rather than by logical id.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { PROJECT_ROOT } from '../../infra/functions/function-bundling.js';
import { TributaryStack } from '../../infra/tributary-stack.js';
import { readConfig } from '../../src/config/read-config.js';
import type { TributaryConfig } from '../../src/config/tributary-config.js';

export interface StackFixture {
  readonly app: App;
  readonly stack: TributaryStack;
  readonly config: TributaryConfig;
  readonly template: Template;
  readonly json: TemplateJson;
}

export interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[]; DeletionPolicy?: string }>;
  Outputs?: Record<string, { Value: unknown }>;
}

const CDK_JSON_CONTEXT =
  (JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> }).context ?? {};

/** Synthesizes the stack for cdk.json's context plus the given keys (as `cdk synth -c key=value` passes them). */
export function buildStack(context: Record<string, unknown> = {}): StackFixture {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...context } });
  const config = readConfig(app.node.getAllContext());
  const stack = new TributaryStack(app, 'Test', { config });
  const template = Template.fromStack(stack);
  return { app, stack, config, template, json: template.toJSON() as TemplateJson };
}

/** Logical id of a construct's CloudFormation resource, looked up from the construct itself. */
export function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

/**
 * Renders an intrinsic-laden value as a string: `{Ref: X}` as `${X}`, GetAtt as `${X.Attr}`, Join
 * concatenated, Select/Split of a Ref as `${X[n]}`. Plain strings stay as they are.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(render).join(',');
  if (value && typeof value === 'object') {
    const [[fn, arg]] = Object.entries(value) as [[string, unknown]];
    switch (fn) {
      case 'Ref':
        return `\${${String(arg)}}`;
      case 'Fn::GetAtt':
        return `\${${(arg as string[]).join('.')}}`;
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return parts.map(render).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number, { 'Fn::Split': [string, unknown] }];
        const split = list['Fn::Split'];
        return `\${${render(split[1]).replace(/^\$\{|\}$/g, '')}[${index}]}`;
      }
      default:
        return JSON.stringify(value);
    }
  }
  return String(value);
}

export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Inline policy statements attached to a role, from every AWS::IAM::Policy naming it. */
export function roleStatements(json: TemplateJson, roleLogicalId: string): PolicyStatementJson[] {
  return Object.values(json.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => ((r.Properties?.Roles as unknown[]) ?? []).some((ref) => render(ref) === `\${${roleLogicalId}}`))
    .flatMap(policyStatements);
}

/** Statements of an AWS::IAM::Policy resource. */
export function policyStatements(resource: TemplateJson['Resources'][string]): PolicyStatementJson[] {
  const document = resource.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] } | undefined;
  return document?.Statement ?? [];
}

export const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Rendered resources that a role may use with an action. */
export function resourcesFor(statements: readonly PolicyStatementJson[], action: string): string[] {
  return statements
    .filter((s) => s.Effect === 'Allow' && asList(s.Action).includes(action))
    .flatMap((s) => asList(s.Resource).map(render))
    .sort();
}

export function resourcesOfType(json: TemplateJson, type: string): [string, TemplateJson['Resources'][string]][] {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

/** Properties of the one resource of a type; fails when there is not exactly one. */
export function onlyResourceProperties<T>(json: TemplateJson, type: string): T {
  const found = resourcesOfType(json, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]?.[1].Properties as T;
}

/** One metric line of a dashboard graph, with the title of its widget. */
export interface DashboardMetric {
  readonly widget: string;
  readonly namespace?: string;
  readonly metricName?: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly expression?: string;
  readonly stat?: string;
}

/** Every metric line of the stack's one dashboard, intrinsics rendered as in render(). */
export function dashboardMetrics(json: TemplateJson): DashboardMetric[] {
  const dashboards = resourcesOfType(json, 'AWS::CloudWatch::Dashboard');
  if (dashboards.length !== 1) throw new Error(`expected one dashboard, found ${dashboards.length}`);
  const body = JSON.parse(render(dashboards[0]?.[1].Properties?.DashboardBody)) as {
    widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
  };
  return body.widgets.flatMap(({ properties }) =>
    (properties.metrics ?? []).map((row): DashboardMetric => {
      const last = row.at(-1);
      const options = (last && typeof last === 'object' ? last : {}) as { expression?: string; stat?: string };
      const parts = row.filter((v): v is string => typeof v === 'string');
      const [namespace, metricName, ...pairs] = parts;
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1] as string;
      return {
        widget: properties.title ?? '',
        dimensions,
        ...(namespace !== undefined ? { namespace } : {}),
        ...(metricName !== undefined ? { metricName } : {}),
        ...(options.expression !== undefined ? { expression: options.expression } : {}),
        ...(options.stat !== undefined ? { stat: options.stat } : {}),
      };
    }),
  );
}

/** Properties of the alarm named `<prefix>-<suffix>`; fails when there is none. */
export function alarmNamed(json: TemplateJson, suffix: string): Record<string, unknown> {
  const found = resourcesOfType(json, 'AWS::CloudWatch::Alarm').find(([, a]) => String(a.Properties?.AlarmName).endsWith(`-${suffix}`));
  if (!found) throw new Error(`no alarm named *-${suffix}`);
  return found[1].Properties ?? {};
}
