// How many reviews are open, per feed and per import (issue 14 G): what the data administrator
// still has to decide, and where. Reads the partial index match_reviews_open (T0019).
import { sql, type Kysely } from 'kysely';
import type { DB, ImportStatus } from '@ew/db';

export interface OpenReviewsByImport {
  importId: number;
  feed: string;
  period: string;
  fileName: string;
  importStatus: ImportStatus;
  open: number;
}

export interface OpenReviewCounts {
  total: number;
  /** Every feed with open reviews, by feed name. */
  byFeed: Array<{ feed: string; open: number }>;
  /** Every import with open reviews, newest period first. */
  byImport: OpenReviewsByImport[];
}

export async function openReviewCounts(db: Kysely<DB>): Promise<OpenReviewCounts> {
  const rows = await db
    .selectFrom('match_reviews as r')
    .innerJoin('imports as i', 'i.id', 'r.import_id')
    .select(['i.id', 'i.feed', 'i.period', 'i.file_name', 'i.status', sql<number>`count(*)::int`.as('open')])
    .where('r.status', '=', 'OPEN')
    .groupBy(['i.id', 'i.feed', 'i.period', 'i.file_name', 'i.status'])
    .orderBy('i.period', 'desc')
    .orderBy('i.id', 'desc')
    .execute();
  const byFeed = new Map<string, number>();
  for (const r of rows) byFeed.set(r.feed, (byFeed.get(r.feed) ?? 0) + r.open);
  return {
    total: rows.reduce((n, r) => n + r.open, 0),
    byFeed: [...byFeed].sort(([a], [b]) => a.localeCompare(b)).map(([feed, open]) => ({ feed, open })),
    byImport: rows.map((r) => ({
      importId: r.id,
      feed: r.feed,
      period: r.period,
      fileName: r.file_name,
      importStatus: r.status,
      open: r.open,
    })),
  };
}
