// The matcher's core (domain §3) for a set of staged rows of one import: a chunk's row range (the
// match job) or the rows a register snapshot re-opens (rematch.ts). Runs inside the caller's
// transaction; writes one matches row per non-duplicate staged row that has none yet.
//
//   1. SQL, one statement: valid ID → active person with an equal normalised name: ID; nobody's
//      or a left person's ID: OUTSIDE (the bulk of every chunk, never leaves Postgres). The
//      undecided rest comes back with the ID's holder, if any (a few per cent of rows).
//   2. TS: ID rows whose names are not equal → ID (homophone, one character) or CONFLICT.
//   3. SQL: fallback candidates by birth date (+ gender, near names only) for rows without a
//      usable ID and for conflicts; name-only candidates for rows without a birth date. One
//      query each.
//   4. TS: score the names, decide (decide.ts), write in bulk (match-writes.ts).
//   5. SQL: a new review of a row decided in an earlier delivery takes that decision
//      (review-reuse.ts).
import type { Transaction } from 'kysely';
import { thresholdsAt } from '@ew/config';
import { NAME_SCORES } from '@ew/core';
import type { DB } from '@ew/db';
import type { AppContext } from '../context.ts';
import {
  decideFallback,
  decideIdRow,
  decideNameOnly,
  REVIEW_CANDIDATE_LIMIT,
  rowName,
  type AutoMethod,
  type MatchDecision,
  type MatchThresholds,
} from './decide.ts';
import {
  fetchBirthCandidates,
  fetchNameCandidates,
  matchByIdInSql,
  type RemainderRow,
} from './match-queries.ts';
import { writeDecisions } from './match-writes.ts';
import { reuseEarlierDecisions } from './review-reuse.ts';
import { isEmptyFilter, type RowFilter } from './row-filter.ts';
import { StepTimer } from '../pipeline/step-timer.ts';

export type MatchCounts = Record<AutoMethod, number>;

export function emptyCounts(): MatchCounts {
  return { ID: 0, FALLBACK: 0, REVIEW: 0, CONFLICT: 0, OUTSIDE: 0, UNMATCHED: 0 };
}

export function addCounts(into: MatchCounts, more: Partial<Record<string, number>>): MatchCounts {
  for (const [method, n] of Object.entries(more)) {
    if (method in into && n !== undefined) into[method as AutoMethod] += n;
  }
  return into;
}

/** The fallback thresholds in force on the import's period (deployment config, dated). */
export function matchThresholds(config: AppContext['config'], period: string): MatchThresholds {
  const values = thresholdsAt(config, period).values;
  return {
    autoMatchMinScore: values.fallbackAutoMatchMinScore,
    reviewMinScore: values.fallbackReviewMinScore,
  };
}

export type MatchRowsContext = Pick<AppContext, 'config' | 'logger'>;

export async function matchRows(
  trx: Transaction<DB>,
  ctx: MatchRowsContext,
  importId: number,
  filter: RowFilter,
): Promise<MatchCounts> {
  const counts = emptyCounts();
  if (isEmptyFilter(filter)) return counts;
  const started = Date.now();
  const { period } = await trx
    .selectFrom('imports')
    .select('period')
    .where('id', '=', importId)
    .executeTakeFirstOrThrow();
  const t = matchThresholds(ctx.config, period);

  const timer = new StepTimer(); // step timings for the debug log
  const lap = (step: string): void => timer.lap(step);

  const { counts: inSql, remainder } = await matchByIdInSql(trx, importId, filter);
  addCounts(counts, inSql);
  lap('idJoin');
  const decisions = await decideRemainder(trx, importId, remainder, t);
  lap('decide');
  await writeDecisions(trx, importId, decisions);
  lap('write');
  for (const d of decisions) counts[d.method] += 1;
  // reviews of rows delivered before and decided then take that decision (review-reuse.ts)
  const reused = decisions.some((d) => d.review !== undefined)
    ? await reuseEarlierDecisions(trx, importId, filter)
    : { accepted: 0, rejected: 0 };
  lap('reuse');

  ctx.logger.debug(
    { importId, counts, reused, remainder: remainder.length, ms: timer.ms, totalMs: Date.now() - started },
    'rows matched',
  );
  return counts;
}

async function decideRemainder(
  trx: Transaction<DB>,
  importId: number,
  rows: readonly RemainderRow[],
  t: MatchThresholds,
): Promise<MatchDecision[]> {
  const decisions: MatchDecision[] = [];
  const conflicts: RemainderRow[] = [];
  const byBirth: RemainderRow[] = [];
  const byNameOnly: RemainderRow[] = [];

  for (const r of rows) {
    const name = rowName(r.nameNorm);
    if (r.idNumberPresent) {
      if (r.holder === null) {
        // the holder left between step 1 and now (a snapshot committed meanwhile): as step 1 would say
        decisions.push({
          rowNo: r.rowNo,
          method: 'OUTSIDE',
          personId: null,
          score: null,
          evidence: { idStatus: 'VALID', reason: 'NOT_IN_REGISTER' },
        });
        continue;
      }
      const d = decideIdRow(r.rowNo, name, r.holder, [], t);
      if (d.method === 'CONFLICT' && r.birthDate !== null) conflicts.push(r);
      else decisions.push(d);
    } else if (name === null) {
      decisions.push(decideNameOnly(r.rowNo, null, [], 0, basisOf(r)));
    } else if (r.birthDate !== null) {
      byBirth.push(r);
    } else {
      byNameOnly.push(r);
    }
  }

  const birthCandidates = await fetchBirthCandidates(
    trx,
    importId,
    [...byBirth, ...conflicts].map((r) => ({ rowNo: r.rowNo, pinyin: rowName(r.nameNorm)?.pinyin ?? '' })),
    t.reviewMinScore > NAME_SCORES.DIFFERENT_MAX,
  );
  for (const r of conflicts) {
    decisions.push(
      decideIdRow(r.rowNo, rowName(r.nameNorm), r.holder!, birthCandidates.get(r.rowNo) ?? [], t),
    );
  }
  for (const r of byBirth) {
    const basis = {
      idStatus: r.idStatus,
      birthDate: r.birthFromRow ? ('row' as const) : ('id' as const),
      gender: r.gender !== null,
      townId: r.townId,
    };
    decisions.push(
      decideFallback(r.rowNo, rowName(r.nameNorm), birthCandidates.get(r.rowNo) ?? [], basis, t),
    );
  }

  const nameCandidates = await fetchNameCandidates(
    trx,
    importId,
    byNameOnly.map((r) => r.rowNo),
    REVIEW_CANDIDATE_LIMIT,
  );
  for (const r of byNameOnly) {
    const found = nameCandidates.get(r.rowNo);
    decisions.push(
      decideNameOnly(r.rowNo, rowName(r.nameNorm), found?.personIds ?? [], found?.total ?? 0, basisOf(r)),
    );
  }
  return decisions;
}

function basisOf(r: RemainderRow): { idStatus: string; gender: boolean; town: boolean } {
  return { idStatus: r.idStatus, gender: r.gender !== null, town: r.townId !== null };
}
