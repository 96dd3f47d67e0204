/**
 * The node-postgres store when the server drops a connection in the middle of a transaction (a
 * restart, an Aurora failover): the transaction fails with the error, the process does not crash
 * on an unheard 'error' event, the broken connection is not handed out again, and the next
 * transaction works.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import { onTestServer, TEST_DATABASE_URL } from '../helpers/stores.js';

describe('postgres client, connection lost mid-transaction', () => {
  const store = createPostgresClient({ connectionString: TEST_DATABASE_URL, maxConnections: 1 });
  afterAll(() => store.close());

  it('fails that transaction only, without an uncaught error, and the next one succeeds', async () => {
    const failed = store.transaction(async (tx) => {
      const [me] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // Between two queries the client is idle in the transaction: the server goes away now.
      await onTestServer((c) => c.query('SELECT pg_terminate_backend($1)', [me?.pid]));
      await new Promise((r) => setTimeout(r, 200));
      await tx.query('SELECT 1');
    });
    await expect(failed).rejects.toThrow(/connection/i);

    // One connection in the pool: had the broken one gone back, this would fail too.
    const [row] = await store.transaction((tx) => tx.query<{ n: number }>('SELECT 41 + 1 AS n'));
    expect(row?.n).toBe(42);
  });
});
