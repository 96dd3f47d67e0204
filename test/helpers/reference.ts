/** Reference data sources for tests that need no store. */

import { sampleReferenceData } from '../../local/reference/sample-reference-data.js';
import type { ReferenceDataSource } from '../../src/enrichment/reference-data.js';

/** A source that counts loads and can be told to fail. */
export function countingSource(data = sampleReferenceData()): ReferenceDataSource & { loads: number; fail: boolean } {
  const source = {
    loads: 0,
    fail: false,
    async load() {
      source.loads++;
      if (source.fail) throw new Error('store unreachable');
      return data;
    },
  };
  return source;
}
