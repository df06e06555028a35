// Whether what a response showed is still true: the API builds a queue page or a task page after
// taking a snapshot (`readSnapshot`), keeps it, and before sending it again asks whether a change
// has committed since that snapshot (`changedSince`) — one short statement instead of building
// the page again. The changes are the rows of `read_changes`, noted by statement-level triggers
// on every table those pages read (migration T0022).
import { sql } from 'kysely';
import type { Database } from './connection.ts';

/** A Postgres snapshot as text (`xmin:xmax:xip,…`, pg_snapshot). */
export type Snapshot = string;

/** What a kept response depends on: the snapshot taken before it was built, and its town (null: any). */
export interface ReadBasis {
  snapshot: Snapshot;
  townId: number | null;
}

/**
 * The snapshot in force now and, given a basis, whether a change that touched its town (or any
 * town, or for a basis of all towns any change at all) has committed since the basis's snapshot.
 * A change is a row visible now but not in that snapshot: one written by a transaction still open
 * when the snapshot was taken counts once it commits (its id may be lower than the snapshot's
 * newest row; the snapshot, not an id, decides).
 */
export async function readSnapshot(
  db: Database,
  basis: ReadBasis | null,
): Promise<{ snapshot: Snapshot; changed: boolean }> {
  const { rows } = await sql<{ snapshot: Snapshot; changed: boolean }>`
    select pg_current_snapshot()::text as snapshot,
           ${basis === null ? sql<boolean>`false` : changedSince(basis)} as changed`.execute(db);
  return rows[0]!;
}

function changedSince({ snapshot, townId }: ReadBasis) {
  const since = sql`${snapshot}::pg_snapshot`;
  return sql<boolean>`exists (
    select 1 from read_changes c
     where c.xid >= pg_snapshot_xmin(${since})
       and not pg_visible_in_snapshot(c.xid, ${since})
       and ${townId === null ? sql<boolean>`true` : sql<boolean>`(c.town_id is null or c.town_id = ${townId}::int)`})`;
}

/** How long a kept response may be used at most, whatever changes say (ms); the sweep relies on it. */
export const READ_BASIS_MAX_AGE_MS = 5 * 60_000;

/**
 * Keeps `read_changes` small: marks the rows whose transaction has ended (every transaction older
 * than the oldest one still running has), and deletes those marked long enough ago that no kept
 * response can still need them (three times READ_BASIS_MAX_AGE_MS after they were known to have
 * ended — a snapshot that did not see one was taken before it ended). Returns the rows deleted.
 */
export async function settleReadChanges(db: Database): Promise<{ settled: number; deleted: number }> {
  const settled = await sql`
    update read_changes set settled_at = now()
     where settled_at is null and xid < pg_snapshot_xmin(pg_current_snapshot())`.execute(db);
  const deleted = await sql`
    delete from read_changes
     where settled_at < now() - make_interval(secs => ${(3 * READ_BASIS_MAX_AGE_MS) / 1000}::int)`.execute(
    db,
  );
  return { settled: Number(settled.numAffectedRows ?? 0), deleted: Number(deleted.numAffectedRows ?? 0) };
}
