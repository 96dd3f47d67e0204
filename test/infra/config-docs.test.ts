/** docs/aws.md's configuration table names every setting of the configuration schema, and nothing else. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/functions/function-bundling.js';
import { CONFIG_KEYS } from '../../src/config/tributary-config.js';

/** The backquoted keys of the first column of the table under "## Configure". */
function documentedKeys(): string[] {
  const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'aws.md'), 'utf8');
  const section = doc.split('\n## Configure')[1]?.split('\n## ')[0] ?? '';
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ''));
}

describe('docs/aws.md configuration table', () => {
  it('lists every setting of the schema, and only those', () => {
    const documented = documentedKeys();
    expect(CONFIG_KEYS.filter((key) => !documented.includes(key))).toEqual([]);
    expect(documented.filter((key) => !CONFIG_KEYS.includes(key))).toEqual([]);
  });
});
