// Per test file: a fresh database cloned from the run's migrated template, and a Redis prefix.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type DatabaseHandle } from '@ew/db';
import { withDatabase } from './services.ts';

export interface TestDatabase extends DatabaseHandle {
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** `preparedStatements`: as the API's pool runs them (openDatabase). */
export async function createTestDatabase(
  options: { preparedStatements?: number } = {},
): Promise<TestDatabase> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `ew_test_${inject('runId')}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}" template "${inject('templateDatabase')}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const handle = openDatabase(url, { max: 5, applicationName: 'ew-test', ...options });
  return {
    ...handle,
    url,
    name,
    drop: async () => {
      // a connection the FORCE drop terminates must not surface as an uncaught pool error
      handle.pool.on('error', () => undefined);
      await handle.close();
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** A BullMQ prefix no other test (or run) shares. */
export function testQueuePrefix(): string {
  return `ew-test-${inject('runId')}-${randomBytes(3).toString('hex')}`;
}

export function testRedisUrl(): string {
  return inject('redisUrl');
}
