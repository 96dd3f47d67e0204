/** A string as a DuckDB SQL literal (file paths in COPY and read_parquet cannot be bound parameters). */
export function sqlLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
