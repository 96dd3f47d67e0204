/** Every cdk-nag finding the stack accepts is documented in docs/aws.md with the reason it is acknowledged with. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/functions/function-bundling.js';
import { NagFinding } from '../../infra/nag/nag-acknowledgements.js';

const docs = readFileSync(join(PROJECT_ROOT, 'docs', 'aws.md'), 'utf8');

describe('cdk-nag acknowledgements', () => {
  it.each(Object.entries(NagFinding))('%s has a reason and is listed in docs/aws.md with it', (_, finding) => {
    expect(finding.reason.length).toBeGreaterThan(40);
    const rule = finding.id.split('[')[0] ?? finding.id;
    const row = docs.split('\n').find((line) => line.startsWith(`| ${rule}`) && line.includes(finding.reason));
    expect(row, `docs/aws.md lists ${finding.id} with its reason`).toBeDefined();
  });
});
