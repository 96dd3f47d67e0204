/**
 * Applies shop catalogue changes to the reference data enrich joins: products (name, category),
 * their USD price (prices with currency USD -> products.list_price_usd) and currency rates. Each
 * row's last applied source position is kept in reference_positions, so a change is applied only
 * when newer: redelivery and reordering change nothing. Unchanged TOASTed values (Debezium's
 * placeholder) keep what the store holds.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import { type ChangePosition, changePosition } from './change-event-reader.js';
import { type ChangeEvent, type ChangeRow, UNAVAILABLE_VALUE } from './debezium-envelope.js';

export const CATALOGUE_TABLES = ['products', 'prices', 'currency_rates'] as const;
export type CatalogueTable = (typeof CATALOGUE_TABLES)[number];

export function isCatalogueTable(table: string): table is CatalogueTable {
  return (CATALOGUE_TABLES as readonly string[]).includes(table);
}

const KEYS: Record<CatalogueTable, readonly string[]> = {
  products: ['sku'],
  prices: ['sku', 'currency'],
  currency_rates: ['currency'],
};

/** The value, or undefined when Debezium marks it unavailable (keep the stored one). */
function value(row: ChangeRow, column: string): unknown {
  const v = row[column];
  return v === UNAVAILABLE_VALUE ? undefined : v;
}

function text(row: ChangeRow, column: string): string {
  return String(row[column] ?? '').trim();
}

async function claim(db: SqlQueryable, table: CatalogueTable, key: string, position: ChangePosition): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO reference_positions AS p (table_name, row_key, commit_lsn, change_lsn) VALUES ($1, $2, $3, $4)
     ON CONFLICT (table_name, row_key) DO UPDATE SET commit_lsn = EXCLUDED.commit_lsn, change_lsn = EXCLUDED.change_lsn
     WHERE (p.commit_lsn, p.change_lsn) < (EXCLUDED.commit_lsn, EXCLUDED.change_lsn)
     RETURNING 1`,
    [table, key, position.commitLsn.toString(), position.changeLsn.toString()],
  );
  return rows.length > 0;
}

async function applyOne(db: SqlQueryable, table: CatalogueTable, event: ChangeEvent): Promise<void> {
  const deleted = event.op === 'd';
  const row = (deleted ? event.before : event.after) ?? {};
  switch (table) {
    case 'products':
      if (deleted) await db.query('DELETE FROM products WHERE sku = $1', [text(row, 'sku')]);
      else
        await db.query(
          `INSERT INTO products AS p (sku, name, category) VALUES ($1, $2, $3)
           ON CONFLICT (sku) DO UPDATE SET name = COALESCE(EXCLUDED.name, p.name), category = COALESCE(EXCLUDED.category, p.category)`,
          [text(row, 'sku'), value(row, 'name') ?? null, value(row, 'category') ?? null],
        );
      return;
    case 'prices':
      if (text(row, 'currency') !== 'USD') return;
      await db.query('UPDATE products SET list_price_usd = $2 WHERE sku = $1', [
        text(row, 'sku'),
        deleted ? null : (value(row, 'amount') ?? null),
      ]);
      return;
    case 'currency_rates':
      if (deleted) await db.query('DELETE FROM currency_rates WHERE currency = $1', [text(row, 'currency')]);
      else
        await db.query(
          `INSERT INTO currency_rates AS c (currency, usd_rate, updated_at) VALUES ($1, $2, COALESCE($3::timestamptz, now()))
           ON CONFLICT (currency) DO UPDATE SET usd_rate = EXCLUDED.usd_rate, updated_at = EXCLUDED.updated_at`,
          [text(row, 'currency'), value(row, 'usd_rate'), value(row, 'updated_at') ?? null],
        );
      return;
  }
}

/** Applies the events in source order; returns how many were applied (the rest were not newer). */
export async function applyCatalogueChanges(
  db: SqlQueryable,
  events: readonly { table: CatalogueTable; event: ChangeEvent }[],
): Promise<number> {
  const ordered = events
    .map((e) => ({ ...e, position: changePosition(e.event) }))
    .sort((a, b) =>
      a.position.commitLsn === b.position.commitLsn
        ? Number(a.position.changeLsn - b.position.changeLsn)
        : Number(a.position.commitLsn - b.position.commitLsn),
    );
  let applied = 0;
  for (const { table, event, position } of ordered) {
    const row = (event.op === 'd' ? event.before : event.after) ?? {};
    const key = KEYS[table].map((k) => text(row, k)).join('/');
    if (!(await claim(db, table, key, position))) continue;
    await applyOne(db, table, event);
    applied++;
  }
  return applied;
}
