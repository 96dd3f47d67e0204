/**
 * A database user the application connects as with IAM authentication: declared by the stack
 * (infra/store/schema-migrations.ts), created by the schema resource (functions/migrate).
 */
export interface DatabaseUser {
  readonly name: string;
  /** read-write: SELECT, INSERT, UPDATE, DELETE on the pipeline's tables; read-only: SELECT. */
  readonly access: 'read-write' | 'read-only';
}
