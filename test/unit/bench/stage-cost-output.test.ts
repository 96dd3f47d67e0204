import { describe, expect, it } from 'vitest';
import { parseStageCostOutput } from '../../../bench/cost/stage-cost-run.js';
import { copyTextValue } from '../../../bench/measure/pg-copy-from.js';

describe('parseStageCostOutput', () => {
  it('reads the µs/record lines of bench/cost/stage-cost.ts', () => {
    const output = [
      '20,000 generated events, batches of 1000',
      'ingest                          16.21 us/record',
      'enrich (warm caches)             8.93 us/record',
      'sink -> PostgreSQL             11,733 rows/s (20,000 rows)',
    ].join('\n');
    expect(parseStageCostOutput(output)).toMatchObject({ ingestMicrosPerRecord: 16.21, enrichMicrosPerRecord: 8.93 });
  });

  it('keeps the output when the lines are not there', () => {
    expect(parseStageCostOutput('something else\n')).toEqual({ output: 'something else' });
  });
});

describe('copyTextValue', () => {
  it('writes null as \\N and escapes what COPY text format treats specially', () => {
    expect(copyTextValue(null)).toBe('\\N');
    expect(copyTextValue('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyTextValue('{"k": "v"}')).toBe('{"k": "v"}');
  });
});
