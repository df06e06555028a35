// The readiness checks against real Postgres and Redis servers: the shared ones, and private
// redis-servers configured to evict or with CONFIG disabled.
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testRedisUrl, type TestDatabase } from '../../../test/harness/db.ts';
import { migrationsCheck, postgresCheck, readiness, redisCheck, redisPolicyCheck } from './checks.ts';
import { startPrivateRedis, type PrivateRedis } from '../../../test/harness/redis-server.ts';

const quiet = { warn: () => undefined };
let tdb: TestDatabase;
const redises: Redis[] = [];
const servers: PrivateRedis[] = [];

function connect(url: string): Redis {
  // as the API's producer connects: fail fast, no offline queue
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => 200,
  });
  redis.on('error', () => undefined);
  redises.push(redis);
  return redis;
}

async function ready(redis: Redis): Promise<Redis> {
  if (redis.status !== 'ready') await new Promise((r) => redis.once('ready', r));
  return redis;
}

function checksFor(redis: Redis) {
  return {
    postgres: postgresCheck(tdb.db),
    redis: redisCheck(redis),
    redisPolicy: redisPolicyCheck(redis),
    migrations: migrationsCheck(tdb.db),
  };
}

beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  for (const r of redises) r.disconnect();
  for (const s of servers) await s.stop();
  await tdb?.drop();
});

describe('readiness', () => {
  it('is ok on a migrated database and a noeviction Redis', async () => {
    const redis = await ready(connect(testRedisUrl()));
    expect(await readiness(checksFor(redis), quiet)).toEqual({
      status: 'ok',
      checks: { postgres: 'ok', redis: 'ok', redisPolicy: 'noeviction', migrations: 'ok' },
    });
  });

  it('fails while a migration of the code has not run on the database', async () => {
    const redis = await ready(connect(testRedisUrl()));
    const last = await sql<{
      name: string;
    }>`select name from kysely_migration order by name desc limit 1`.execute(tdb.db);
    const name = last.rows[0]!.name;
    await sql`delete from kysely_migration where name = ${name}`.execute(tdb.db);
    try {
      expect(await readiness(checksFor(redis), quiet)).toMatchObject({
        status: 'unavailable',
        failed: ['migrations'],
        checks: { migrations: 'pending' },
      });
    } finally {
      await sql`insert into kysely_migration (name, timestamp) values (${name}, ${new Date().toISOString()})`.execute(
        tdb.db,
      );
    }
  });

  it('fails on a Redis that evicts keys, naming its policy', async () => {
    const server = await startPrivateRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    servers.push(server);
    const redis = await ready(connect(server.url));
    expect(await readiness(checksFor(redis), quiet)).toEqual({
      status: 'unavailable',
      failed: ['redisPolicy'],
      checks: { postgres: 'ok', redis: 'ok', redisPolicy: 'allkeys-lru', migrations: 'ok' },
    });
  });

  it('reports the policy unknown, and stays ready, when CONFIG is disabled', async () => {
    const server = await startPrivateRedis(['--rename-command', 'CONFIG', '']);
    servers.push(server);
    const redis = await ready(connect(server.url));
    await expect(redis.config('GET', 'maxmemory-policy')).rejects.toThrow(/unknown command/i);
    expect(await readiness(checksFor(redis), quiet)).toEqual({
      status: 'ok',
      checks: { postgres: 'ok', redis: 'ok', redisPolicy: 'unknown', migrations: 'ok' },
    });
  });

  it('fails naming Redis when it does not answer', async () => {
    const redis = connect('redis://127.0.0.1:1');
    expect(await readiness(checksFor(redis), quiet)).toEqual({
      status: 'unavailable',
      failed: ['redis'],
      checks: { postgres: 'ok', redis: 'failed', redisPolicy: 'unknown', migrations: 'ok' },
    });
  });
});
