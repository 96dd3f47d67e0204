/**
 * `tributary query --help`: every named query with its parameters and what each accepts. The
 * accepted values come from the queries' own validators (asking each to refuse a blank value),
 * so the help cannot drift from what the queries take.
 */
import { namedQuery, prepareNamedQuery, QUERY_NAMES } from '../../src/analytics/index.js';

function accepts(query: string, parameter: string): string {
  try {
    prepareNamedQuery(query, { [parameter]: '' });
    return '';
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    return message.replace(/^parameter "[^"]*": /, '').replace(/ \(got "[^"]*"\)$/, '');
  }
}

export function queryHelpText(): string {
  const lines = ['', 'Named queries and their parameters (key=value; all optional):'];
  for (const name of QUERY_NAMES) {
    const query = namedQuery(name);
    lines.push('', `  ${name}: ${query.description}`);
    for (const parameter of query.parameters) lines.push(`    ${parameter.padEnd(11)} ${accepts(name, parameter)}`);
  }
  lines.push(
    '',
    'Examples:',
    '  tributary query top dimension=sku metric=revenue_usd last=15m',
    '  tributary query timeseries metric=events bucket=1m split=event_type last=30m',
    '  tributary query --sql "select event_type, count(*) from events group by 1"',
    '',
    'While a local twin runs, queries go through its HTTP API; otherwise the store is opened directly.',
  );
  return lines.join('\n');
}
