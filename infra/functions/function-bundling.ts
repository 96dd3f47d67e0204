/**
 * How every function is built: one ESM bundle per handler, made by the locally installed esbuild
 * (no Docker, no network), with the AWS SDK bundled so the deployed code runs the versions in
 * package-lock.json.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { COMPRESSION_CODEC_PACKAGES } from '../../src/kafka/compression-codec-packages.js';

/** The repository root, resolved from this file so synth does not depend on the working directory. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FUNCTIONS_DIR = join(PROJECT_ROOT, 'functions');

/** The newest `nodejsNN.x` runtime this aws-cdk-lib knows. */
export function newestNodeRuntime(): lambda.Runtime {
  let newest: { version: number; runtime: lambda.Runtime } | undefined;
  for (const [key, value] of Object.entries(lambda.Runtime)) {
    const match = /^NODEJS_(\d+)_X$/.exec(key);
    if (!match || !(value instanceof lambda.Runtime)) continue;
    const version = Number(match[1]);
    if (!newest || version > newest.version) newest = { version, runtime: value };
  }
  if (!newest) throw new Error('aws-cdk-lib offers no nodejsNN.x runtime');
  return newest.runtime;
}

/** esbuild target matching the runtime, e.g. node24. */
function esbuildTarget(runtime: lambda.Runtime): string {
  return runtime.name.replace(/^nodejs(\d+)\.x$/, 'node$1');
}

export function bundlingOptions(commandHooks?: nodejs.ICommandHooks): nodejs.BundlingOptions {
  return {
    format: nodejs.OutputFormat.ESM,
    target: esbuildTarget(newestNodeRuntime()),
    mainFields: ['module', 'main'],
    // CommonJS dependencies (kafkajs, pg) call require() for Node built-ins; give the ESM bundle one.
    banner:
      "import { createRequire as __tributaryCreateRequire } from 'node:module'; const require = __tributaryCreateRequire(import.meta.url);",
    bundleAwsSDK: true,
    // pg loads pg-native only when asked to; it is not installed. The Kafka compression codecs load
    // on first use, which never comes in a function (src/kafka/compression-codec-packages.ts).
    externalModules: ['pg-native', ...COMPRESSION_CODEC_PACKAGES],
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    forceDockerBundling: false,
    ...(commandHooks ? { commandHooks } : {}),
  };
}
