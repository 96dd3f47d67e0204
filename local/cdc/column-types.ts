/**
 * What the capture knows of a column's type: looked up once per type OID in pg_type, so arrays,
 * domains and enums of any type are encoded by what they are made of.
 */
import type pg from 'pg';

export interface ColumnType {
  readonly oid: number;
  /** pg_type.typname of the base type (domains resolved), e.g. "numeric", "_int4". */
  readonly name: string;
  /** pg_type.typcategory: A array, E enum, ... */
  readonly category: string;
  /** Element type of an array. */
  readonly element?: ColumnType;
}

interface TypeRow {
  oid: number;
  typname: string;
  typcategory: string;
  typelem: number;
  typbasetype: number;
}

export class ColumnTypes {
  private readonly known = new Map<number, ColumnType>();

  constructor(private readonly db: Pick<pg.Pool, 'query'>) {}

  async get(oid: number): Promise<ColumnType> {
    const cached = this.known.get(oid);
    if (cached) return cached;
    const rows = (
      await this.db.query<TypeRow>(
        'SELECT oid::int, typname::text, typcategory::text, typelem::int, typbasetype::int FROM pg_type WHERE oid = $1',
        [oid],
      )
    ).rows;
    const row = rows[0];
    let type: ColumnType;
    if (!row) type = { oid, name: 'unknown', category: 'X' };
    else if (row.typbasetype !== 0) type = { ...(await this.get(row.typbasetype)), oid };
    else if (row.typcategory === 'A' && row.typelem !== 0)
      type = { oid, name: row.typname, category: 'A', element: await this.get(row.typelem) };
    else type = { oid, name: row.typname, category: row.typcategory };
    this.known.set(oid, type);
    return type;
  }
}
