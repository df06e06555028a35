// Finds the Postgres and Redis a test run uses: named by TEST_DATABASE_URL / TEST_REDIS_URL,
// else answering on localhost, else started with testcontainers where a Docker engine exists.
import net from 'node:net';
import pg from 'pg';

export interface TestServices {
  /** A URL of a database on the server that may CREATE DATABASE (the maintenance db). */
  postgresAdminUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function dockerAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export async function findTestServices(): Promise<TestServices> {
  const stops: Array<() => Promise<void>> = [];
  let postgresAdminUrl = process.env.TEST_DATABASE_URL;
  let redisUrl = process.env.TEST_REDIS_URL;

  if (!postgresAdminUrl) {
    for (const candidate of [
      'postgres://postgres@127.0.0.1:5432/postgres',
      'postgres://root@127.0.0.1:5432/postgres',
    ]) {
      if (await postgresAnswers(candidate)) {
        postgresAdminUrl = candidate;
        break;
      }
    }
  }
  if (!redisUrl && (await portAnswers('127.0.0.1', 6379))) redisUrl = 'redis://127.0.0.1:6379';

  if ((!postgresAdminUrl || !redisUrl) && (await dockerAvailable())) {
    if (!postgresAdminUrl) {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:16-alpine').start();
      postgresAdminUrl = container.getConnectionUri().replace(/\/[^/]*$/, '/postgres');
      stops.push(async () => void (await container.stop()));
    }
    if (!redisUrl) {
      const { RedisContainer } = await import('@testcontainers/redis');
      const container = await new RedisContainer('redis:7-alpine').start();
      redisUrl = container.getConnectionUrl();
      stops.push(async () => void (await container.stop()));
    }
  }

  if (!postgresAdminUrl || !redisUrl) {
    throw new Error(
      [
        'Tests need a real PostgreSQL and Redis, and none was found:',
        postgresAdminUrl
          ? null
          : '- PostgreSQL: set TEST_DATABASE_URL, or run one on 127.0.0.1:5432 (trust auth)',
        redisUrl ? null : '- Redis: set TEST_REDIS_URL, or run one on 127.0.0.1:6379',
        'or start a Docker engine so testcontainers can run them.',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }
  return {
    postgresAdminUrl,
    redisUrl,
    stop: async () => {
      for (const stop of stops) await stop();
    },
  };
}

/** The same server URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + database;
  return u.toString();
}
