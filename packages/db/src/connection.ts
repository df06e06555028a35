// One pg pool and one Kysely instance per process.
import { Kysely, PostgresDialect } from 'kysely';
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

export function openDatabase(url: string, options: { max?: number; applicationName?: string } = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'early-warning',
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
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
