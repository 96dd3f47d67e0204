/** Synthesis loads the CDK app's modules alone: no Kafka client, no database driver. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/functions/function-bundling.js';

describe('the CDK app', () => {
  it('loads no Kafka client and no PostgreSQL driver', () => {
    const script = [
      "const { createRequire } = await import('node:module');",
      "await import('./infra/tributary-stack.ts');",
      "await import('./src/config/read-config.ts');",
      'const cache = createRequire(import.meta.url).cache;',
      'const names = new Set(Object.keys(cache).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f)?.[1]).filter(Boolean));',
      'console.log(JSON.stringify([...names].sort()));',
    ].join('\n');
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const packages = JSON.parse(result.stdout.trim().split('\n').pop() ?? '[]') as string[];
    expect(packages).toContain('aws-cdk-lib');
    expect(packages.filter((name) => ['kafkajs', 'pg', 'pg-logical-replication', '@electric-sql/pglite'].includes(name))).toEqual([]);
  });
});
