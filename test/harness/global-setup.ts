// Once per `vitest run`: finds Postgres and Redis, migrates a template database for this run,
// and hands each test file what it needs to clone it (see ./db.ts). Drops everything at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateToLatest, openDatabase } from '@ew/db';
import { findTestServices, withDatabase } from './services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDatabase: string;
    runId: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const services = await findTestServices();
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const templateDatabase = `ew_test_${runId}_template`;

  const admin = new pg.Client({ connectionString: services.postgresAdminUrl });
  await admin.connect();
  await admin.query(`create database "${templateDatabase}"`);
  const template = openDatabase(withDatabase(services.postgresAdminUrl, templateDatabase), { max: 1 });
  await migrateToLatest(template.db);
  await template.close();

  project.provide('postgresAdminUrl', services.postgresAdminUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('runId', runId);
  project.provide('redisUrl', services.redisUrl);

  return async () => {
    const { rows } = await admin.query<{ datname: string }>(
      `select datname from pg_database where datname like $1`,
      [`ew_test_${runId}_%`],
    );
    for (const { datname } of rows) {
      await admin.query(`drop database if exists "${datname}" with (force)`);
    }
    await admin.end();
    await cleanRedis(services.redisUrl, runId);
    await services.stop();
  };
}

async function cleanRedis(redisUrl: string, runId: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `ew-test-${runId}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
