// One pg pool and one Kysely instance per process.
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.ts';

// Dates stay 'YYYY-MM-DD' strings (no time-zone shifts); bigint ids and numeric amounts become
// numbers (ids stay far below 2^53; amounts are CNY with 2 decimals).
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export type Database = Kysely<DB>;

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  max?: number;
  applicationName?: string;
  /**
   * Told when an idle pooled connection fails (the server restarted, an admin ran
   * pg_terminate_backend, a network cut). The pool drops that client and opens a new one on the
   * next query. Default: one line on stderr.
   */
  onIdleError?: (error: Error) => void;
  /**
   * Run Kysely's statements as named prepared statements, at most this many distinct ones per
   * connection (0, the default: unnamed, parsed and planned on every call). For the API, whose
   * requests repeat a few dozen short statements: Postgres then skips parsing and, after five runs,
   * planning — which took longer than executing them (0.6–1.5 ms planning vs 0.1–0.3 ms
   * executing a task page's look-ups, EXPLAIN ANALYZE at 1M tasks). Postgres plans a prepared
   * statement once for all parameters only when that generic plan looks no dearer than the
   * plans for the parameters given: a statement whose index is partial (`where status <>
   * 'CLOSED'`) must state that predicate as a literal, and a LIMIT as a literal, or it is
   * planned anew on every run (see casework/queue.ts).
   */
  preparedStatements?: number;
}

const statementNames = new Map<string, string>();

/** A statement's name: its text's hash, so one name never stands for two texts (remembered: hashing each call cost 2 % of the API's CPU). */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `ew_${createHash('sha1').update(text).digest('base64url')}`;
    if (statementNames.size < 10_000) statementNames.set(text, name);
  }
  return name;
}

/**
 * Kysely's pool, with every client's `query(text, values)` sent as a named statement until the
 * client has prepared `limit` of them (statements past the limit run unnamed: a long-lived
 * connection never accumulates an unbounded number). Streams (cursors) pass through unchanged.
 */
function preparingPool(pool: pg.Pool, limit: number): PostgresPool {
  const prepared = new WeakMap<pg.PoolClient, Set<string>>();
  return {
    connect: async () => {
      const client = await pool.connect();
      let names = prepared.get(client);
      if (names === undefined) prepared.set(client, (names = new Set()));
      const known = names;
      const wrapped: PostgresPoolClient = {
        query: ((text: unknown, values?: readonly unknown[]) => {
          if (typeof text !== 'string') return client.query(text as pg.Submittable);
          const name = statementName(text);
          if (!known.has(name)) {
            if (known.size >= limit) return client.query(text, values as unknown[]);
            known.add(name);
          }
          return client.query({ name, text, values: values as unknown[] });
        }) as unknown as PostgresPoolClient['query'],
        release: () => client.release(),
      };
      return wrapped;
    },
    end: () => pool.end(),
  };
}

export function openDatabase(url: string, options: OpenDatabaseOptions = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'early-warning',
    // jit=off: the stages' set-based statements carry large cost estimates, so Postgres JIT-compiled
    // them on every run — 1.9 s of a 3.9 s statement when raising the alerts of 1M rows (auto_explain),
    // for no gain on queries that run once.
    // temp_buffers: temporary tables (raiseAlerts' pending signals: ~25 MB at 1M rows) live in
    // per-session buffers of 8 MB by default, above which every access goes through the kernel.
    // Allocated only as used, and settable only before a session's first temporary table: so here.
    options: `-c jit=off -c temp_buffers=64MB`,
  });
  // Without a listener, pg's 'error' event of an idle client is an uncaught exception that ends
  // the process (node-postgres docs, "Pool: events: error").
  pool.on(
    'error',
    options.onIdleError ??
      ((error: Error) => {
        process.stderr.write(
          `postgres: an idle pooled connection failed and was dropped: ${error.message}\n`,
        );
      }),
  );
  // The same for a client checked out of the pool (a stage's COPY transaction) whose backend is
  // terminated between two statements or mid-COPY: the statement or stream in flight fails with
  // the error, the job is retried, and the dead client is dropped at release (pg-pool releases no
  // unqueryable client back). Without this listener the client's 'error' event ends the process.
  pool.on('connect', (client) => {
    client.on('error', (error: Error) => {
      process.stderr.write(`postgres: a connection in use failed: ${error.message}\n`);
    });
  });
  const limit = options.preparedStatements ?? 0;
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: limit > 0 ? preparingPool(pool, limit) : pool }),
  });
  return {
    db,
    pool,
    // Kysely's destroy() ends the pool it was given.
    close: () => db.destroy(),
  };
}

/**
 * A Kysely bound to one checked-out client, for work that mixes COPY (raw pg) with typed queries
 * inside one transaction the caller opened on that client. Never closes the client.
 */
export function kyselyOnClient(client: pg.PoolClient): Database {
  const pool = {
    // a delegate, not the client itself: Kysely releases what it acquires, and the caller owns it
    connect: async () => ({
      query: client.query.bind(client),
      release: () => undefined,
    }),
    end: async () => undefined,
  };
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

/** Creates the database named in `url` if it does not exist (a fresh machine's first run). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) return false;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount) return false;
    await client.query(`create database "${name.replace(/"/g, '""')}"`);
    return true;
  } catch (error) {
    // another process created it meanwhile
    if ((error as { code?: string }).code === '42P04') return false;
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Run first in the transaction of a set-based stage (staging, match, evaluate, alert raising).
 * With the server's default work_mem (4 MB) a 50,000-row chunk's hash join spills to disk in two
 * batches and the evaluate sort goes external: a match chunk took 1.5–1.9 s, 1.1–1.25 s with
 * 64 MB (EXPLAIN ANALYZE, 1M-person register). SET LOCAL: it ends with the transaction, and a
 * worker runs one such transaction per connection at a time.
 */
export const STAGE_SETTINGS_SQL = `set local work_mem = '64MB'`;
