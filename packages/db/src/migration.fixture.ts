// Migration tests' harness (not a test file): an empty database of the test's own, not migrated,
// so a test can migrate up to a point, write rows as they were then, and migrate on.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import pg from 'pg';
import { withDatabase } from '../../../test/harness/services.ts';
import { openDatabase, type DatabaseHandle } from './connection.ts';

async function admin(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Registers beforeAll/afterAll that create and drop the database; `handle()` is its pool, `url()` its address. */
export function emptyDatabase(label: string): { handle: () => DatabaseHandle; url: () => string } {
  const adminUrl = inject('postgresAdminUrl');
  const name = `ew_test_${inject('runId')}_${label}_${randomBytes(3).toString('hex')}`;
  let handle: DatabaseHandle | undefined;
  beforeAll(async () => {
    await admin(adminUrl, `create database "${name}"`);
    handle = openDatabase(withDatabase(adminUrl, name), { max: 2 });
  });
  afterAll(async () => {
    await handle?.close();
    await admin(adminUrl, `drop database if exists "${name}" with (force)`);
  });
  return {
    url: () => withDatabase(adminUrl, name),
    handle: () => {
      if (handle === undefined) throw new Error('the database is made in beforeAll');
      return handle;
    },
  };
}
