/**
 * Applies order and order-line changes to their mirror tables in the analytics store: upsert or
 * delete by primary key, only when the change is newer by source position than what the row holds
 * (see migration 0005). A batch is one statement, so one transaction; redelivered, duplicated or
 * reordered changes change nothing.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import { changePosition } from './change-event-reader.js';
import type { ChangeEvent } from './debezium-envelope.js';

interface MirrorColumn {
  readonly name: string;
  readonly type: string;
}

export interface MirrorTable {
  /** Source table (shop schema). */
  readonly source: string;
  /** Mirror table in the analytics store. */
  readonly target: string;
  readonly key: readonly string[];
  readonly columns: readonly MirrorColumn[];
}

export const MIRROR_TABLES: Readonly<Record<'orders' | 'order_lines', MirrorTable>> = {
  orders: {
    source: 'orders',
    target: 'shop_orders',
    key: ['order_id'],
    columns: [
      { name: 'order_id', type: 'text' },
      { name: 'customer_id', type: 'text' },
      { name: 'status', type: 'text' },
      { name: 'currency', type: 'text' },
      { name: 'total', type: 'numeric' },
      { name: 'placed_at', type: 'timestamptz' },
      { name: 'updated_at', type: 'timestamptz' },
    ],
  },
  order_lines: {
    source: 'order_lines',
    target: 'shop_order_lines',
    key: ['order_id', 'line_no'],
    columns: [
      { name: 'order_id', type: 'text' },
      { name: 'line_no', type: 'integer' },
      { name: 'sku', type: 'text' },
      { name: 'quantity', type: 'integer' },
      { name: 'unit_price', type: 'numeric' },
    ],
  },
};

export function mirrorTableFor(table: string): MirrorTable | undefined {
  return Object.values(MIRROR_TABLES).find((t) => t.source === table);
}

function statement(table: MirrorTable): string {
  const names = table.columns.map((c) => c.name);
  const keyList = table.key.join(', ');
  const recordType = [
    ...table.columns.map((c) => `${c.name} ${c.type}`),
    'deleted boolean',
    'commit_lsn numeric',
    'change_lsn numeric',
    'source_ts timestamptz',
  ].join(', ');
  const all = [...names, 'deleted', 'commit_lsn', 'change_lsn', 'source_ts'];
  const updates = [...names.filter((n) => !table.key.includes(n)), 'deleted', 'commit_lsn', 'change_lsn', 'source_ts', 'mirrored_at']
    .map((n) => `${n} = EXCLUDED.${n}`)
    .join(', ');
  return `WITH input AS (
      SELECT DISTINCT ON (${keyList}) * FROM jsonb_to_recordset($1::jsonb) AS r(${recordType})
      ORDER BY ${keyList}, commit_lsn DESC, change_lsn DESC
    ), applied AS (
      INSERT INTO ${table.target} AS t (${all.join(', ')}, mirrored_at)
      SELECT ${all.join(', ')}, clock_timestamp() FROM input
      ON CONFLICT (${keyList}) DO UPDATE SET ${updates}
      WHERE (t.commit_lsn, t.change_lsn) < (EXCLUDED.commit_lsn, EXCLUDED.change_lsn)
      RETURNING 1
    )
    SELECT count(*)::int AS applied FROM applied`;
}

const statements = new Map<MirrorTable, string>();

/** Returns how many rows changed (the rest were older than what the mirror holds, or repeats). */
export async function applyMirrorChanges(db: SqlQueryable, table: MirrorTable, events: readonly ChangeEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const rows = events.map((event) => {
    const row = (event.op === 'd' ? event.before : event.after) ?? {};
    const position = changePosition(event);
    const out: Record<string, unknown> = {};
    for (const column of table.columns) out[column.name] = row[column.name] ?? null;
    out.deleted = event.op === 'd';
    out.commit_lsn = position.commitLsn.toString();
    out.change_lsn = position.changeLsn.toString();
    out.source_ts = new Date(event.source.ts_ms).toISOString();
    return out;
  });
  let sql = statements.get(table);
  if (!sql) {
    sql = statement(table);
    statements.set(table, sql);
  }
  const result = await db.query<{ applied: number }>(sql, [JSON.stringify(rows)]);
  return result[0]?.applied ?? 0;
}
