// Runs the migrations in ./migrations. Kysely's Postgres adapter holds an advisory lock while it
// migrates, so several services starting at once migrate exactly once.
import {
  Migrator,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
} from 'kysely';
import * as foundation from './migrations/2026-11-28T0001-foundation.ts';
import * as importChunks from './migrations/2026-11-28T0002-import-chunks.ts';
import * as rules from './migrations/2026-11-28T0004-rules.ts';
import * as installation from './migrations/2026-11-28T0005-installation.ts';
import * as matchesWithoutFk from './migrations/2026-11-28T0006-matches-without-fk-triggers.ts';
import * as registerAsOf from './migrations/2026-11-28T0007-register-as-of.ts';
import * as stagingWritePath from './migrations/2026-11-28T0008-staging-write-path.ts';
import * as signalsByHousehold from './migrations/2026-11-28T0009-signals-unattached-by-household.ts';
import * as signalWritePath from './migrations/2026-11-28T0010-signal-write-path.ts';
import * as alertSignals from './migrations/2026-11-28T0011-alert-signals.ts';
import * as workflowWritePath from './migrations/2026-11-28T0012-workflow-write-path.ts';
import * as matchesWithoutPersonIndex from './migrations/2026-11-28T0013-matches-without-person-index.ts';
import * as alertBuckets from './migrations/2026-11-28T0014-alert-buckets.ts';
import * as rowHashBigint from './migrations/2026-11-28T0015-row-hash-bigint.ts';
import * as casework from './migrations/2026-12-03T0016-casework.ts';
import * as taskQueue from './migrations/2026-12-03T0017-task-queue.ts';
import * as sessions from './migrations/2026-12-03T0018-sessions.ts';
import * as reviews from './migrations/2026-12-03T0019-reviews.ts';
import * as reports from './migrations/2026-12-03T0020-reports.ts';
import * as outboxFinished from './migrations/2026-12-04T0003-outbox-finished.ts';
import * as taskSignalsWithdrawn from './migrations/2026-12-04T0021-task-signals-withdrawn.ts';
import * as readChanges from './migrations/2026-12-04T0022-read-changes.ts';

/** Every migration, in order. Listed explicitly so bundlers and tsx agree on what exists. */
const MIGRATIONS: Record<string, Migration> = {
  '2026-11-28T0001-foundation': foundation,
  '2026-11-28T0002-import-chunks': importChunks,
  '2026-11-28T0004-rules': rules,
  '2026-11-28T0005-installation': installation,
  '2026-11-28T0006-matches-without-fk-triggers': matchesWithoutFk,
  '2026-11-28T0007-register-as-of': registerAsOf,
  '2026-11-28T0008-staging-write-path': stagingWritePath,
  '2026-11-28T0009-signals-unattached-by-household': signalsByHousehold,
  '2026-11-28T0010-signal-write-path': signalWritePath,
  '2026-11-28T0011-alert-signals': alertSignals,
  '2026-11-28T0012-workflow-write-path': workflowWritePath,
  '2026-11-28T0013-matches-without-person-index': matchesWithoutPersonIndex,
  '2026-11-28T0014-alert-buckets': alertBuckets,
  '2026-11-28T0015-row-hash-bigint': rowHashBigint,
  '2026-12-03T0016-casework': casework,
  '2026-12-03T0017-task-queue': taskQueue,
  '2026-12-03T0018-sessions': sessions,
  '2026-12-03T0019-reviews': reviews,
  '2026-12-03T0020-reports': reports,
  '2026-12-04T0003-outbox-finished': outboxFinished,
  '2026-12-04T0021-task-signals-withdrawn': taskSignalsWithdrawn,
  '2026-12-04T0022-read-changes': readChanges,
};

class StaticMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider() });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${cause}`, { cause: result.error });
  }
  return result;
}

/** Migrates up to and including `name` (tests of a migration over data written before it). */
export async function migrateUpTo(db: Kysely<any>, name: string): Promise<void> {
  if (!(name in MIGRATIONS)) throw new Error(`no migration named ${name}`);
  const result = await new Migrator({ db, provider: new StaticMigrationProvider() }).migrateTo(name);
  if (result.error) throw new Error(`migrating up to ${name} failed`, { cause: result.error });
}

/** Names of the migrations this code knows that the database has not run yet (readiness checks). */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const migrations = await new Migrator({ db, provider: new StaticMigrationProvider() }).getMigrations();
  return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
