/**
 * The store port (SqlQueryable) over a DuckDB connection, so the named queries' SQL, written for
 * PostgreSQL, runs unchanged over the archive's views: DuckDB accepts the same $n parameters,
 * casts, FILTER clauses and date_part. Values come back as JS numbers and strings.
 */
import { type DuckDBConnection, type DuckDBValue, listValue } from '@duckdb/node-api';
import type { SqlQueryable } from '../../src/store/sql-client.js';

function toDuckValue(value: unknown): DuckDBValue {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return listValue(value.map(toDuckValue));
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value;
  return String(value);
}

function fromDuckValue(value: DuckDBValue): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Uint8Array) return Buffer.from(value);
  // Decimals, timestamps and the like: their text form (numbers parse from it).
  const text = String(value);
  const n = Number(text);
  return Number.isFinite(n) && text.trim() !== '' ? n : text;
}

export function duckDbQueryable(connection: DuckDBConnection): SqlQueryable {
  return {
    async query<Row extends object = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
      const reader = await connection.runAndReadAll(text, params.map(toDuckValue));
      return reader.getRowObjects().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, fromDuckValue(v)])) as Row);
    },
  };
}
