// Test helpers for imports (test code only).
import type { Database } from '@ew/db';

/**
 * An applied (empty) register snapshot, for tests that stage feeds without matching them: a feed
 * is refused until some register has been loaded. Safe to call again.
 */
export async function markRegisterApplied(db: Database): Promise<void> {
  await db
    .insertInto('register_snapshots')
    .values({
      file_sha256: 'test',
      file_name: 'register.csv',
      encoding: null,
      as_of: null,
      status: 'APPLIED',
    })
    .onConflict((oc) => oc.column('file_sha256').doNothing())
    .execute();
}
