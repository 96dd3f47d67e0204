/** One row of the fault table: what a verified run acknowledged and where each record ended. */
export interface FaultRow {
  readonly fault: string;
  /** Records Kafka acknowledged to the producer. */
  readonly acknowledged: number;
  /** Acknowledged records whose event is in the store (generator duplicates included). */
  readonly stored: number;
  /** Acknowledged records found in the DLQ. */
  readonly inDlq: number;
  /** Acknowledged records found in the failure destination. */
  readonly failureDestination: number;
  /** Acknowledged records found nowhere. */
  readonly lost: number;
  /** Effects applied twice: stored rows or rollup counts beyond one per event. */
  readonly duplicated: number;
  /** Extra copies of a record in the DLQ or failure topic (at-least-once delivery; replay skips them). */
  readonly redelivered: number;
}

const COLUMNS: readonly [string, (row: FaultRow) => string | number][] = [
  ['fault', (r) => r.fault],
  ['acknowledged', (r) => r.acknowledged],
  ['stored', (r) => r.stored],
  ['in DLQ', (r) => r.inDlq],
  ['failure dest.', (r) => r.failureDestination],
  ['lost', (r) => r.lost],
  ['duplicated', (r) => r.duplicated],
  ['DLQ copies', (r) => r.redelivered],
];

const cell = (value: string | number) => (typeof value === 'number' ? value.toLocaleString('en-US') : value);

/** The rows as an aligned text table, or as a Markdown table. */
export function formatFaultTable(rows: readonly FaultRow[], style: 'text' | 'markdown' = 'text'): string {
  const text = rows.map((row) => COLUMNS.map(([, get]) => cell(get(row))));
  const headers = COLUMNS.map(([name]) => name);
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] as string).length)));
  const pad = (value: string, i: number) => (i === 0 ? value.padEnd(widths[i] as number) : value.padStart(widths[i] as number));
  if (style === 'markdown') {
    const line = (cells: readonly string[]) => `| ${cells.map(pad).join(' | ')} |`;
    const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
    return [line(headers), rule, ...text.map(line)].join('\n');
  }
  const line = (cells: readonly string[]) => cells.map(pad).join(' | ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('-+-'), ...text.map(line)].join('\n');
}
