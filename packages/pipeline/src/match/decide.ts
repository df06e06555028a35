// The matching decisions of domain §3, as pure functions over candidates already fetched in bulk:
// no I/O, so they are unit-tested on their own and run in a tight loop over a chunk's remainder.
//
// Evidence never holds a name or a full ID number: comparison kinds, scores, sources, counts and
// register person ids only.
import { compareNames, nameEditDistance, namePinyin, NAME_SCORES, type NameComparison } from '@ew/core';
import type { MatchMethod } from '@ew/db';

export interface MatchThresholds {
  /** A single candidate at or above this auto-matches (fallback). */
  autoMatchMinScore: number;
  /** At or above this (and not auto-matched) goes to review; below is no candidate at all. */
  reviewMinScore: number;
}

/** The candidate kinds stored in match_reviews.candidates. */
export type CandidateKind = NameComparison['kind'] | 'ID' | 'NAME_ONLY';

export interface ReviewCandidate {
  personId: number;
  score: number;
  kind: CandidateKind;
}

/** At most this many candidates are stored per review (a common name can have hundreds). */
export const REVIEW_CANDIDATE_LIMIT = 20;

export type AutoMethod = Exclude<MatchMethod, 'MANUAL'>;

export interface MatchDecision {
  rowNo: number;
  method: AutoMethod;
  /** Set for ID and FALLBACK only; the candidates of REVIEW / CONFLICT go to `review`. */
  personId: number | null;
  score: number | null;
  evidence: Record<string, unknown>;
  review?: { kind: 'REVIEW' | 'CONFLICT'; candidates: ReviewCandidate[] };
}

/** A register person as a candidate: id and the name forms stored at register load. */
export interface PersonCandidate {
  personId: number;
  nameNorm: string;
  namePinyin: string;
  /** The person's household's town (fallback candidates only). */
  townId?: number;
}

/** The row side of a name comparison: its normalised name and that name's pinyin (computed once). */
export interface RowName {
  norm: string;
  pinyin: string;
}

export function rowName(nameNorm: string | null): RowName | null {
  if (nameNorm === null || nameNorm === '') return null;
  return { norm: nameNorm, pinyin: namePinyin(nameNorm) };
}

/**
 * compareNames on normalised names, without computing the register person's pinyin (it is stored):
 * different joined pinyin rules out a homophone, so only an edit distance of 1 can still score
 * above DIFFERENT. Returns null for a DIFFERENT name when `floor` is above what DIFFERENT can
 * score (the candidate cannot matter). Same result as compareNames otherwise.
 */
export function scoreName(row: RowName, person: PersonCandidate, floor: number): NameComparison | null {
  if (person.nameNorm === '') return { kind: 'DIFFERENT', score: 0 };
  if (row.norm === person.nameNorm) return { kind: 'EXACT', score: NAME_SCORES.EXACT };
  if (row.pinyin !== person.namePinyin) {
    if (nameEditDistance(row.norm, person.nameNorm) === 1)
      return { kind: 'ONE_CHAR', score: NAME_SCORES.ONE_CHAR };
    if (floor > NAME_SCORES.DIFFERENT_MAX) return null;
  }
  return compareNames(row.norm, person.nameNorm);
}

function byScore(a: ReviewCandidate, b: ReviewCandidate): number {
  return b.score - a.score || a.personId - b.personId;
}

/** Candidates at or above the review threshold, best first. */
function scoreCandidates(
  row: RowName,
  persons: readonly PersonCandidate[],
  t: MatchThresholds,
): ReviewCandidate[] {
  const out: ReviewCandidate[] = [];
  for (const p of persons) {
    const cmp = scoreName(row, p, t.reviewMinScore);
    if (cmp !== null && cmp.score >= t.reviewMinScore)
      out.push({ personId: p.personId, score: round3(cmp.score), kind: cmp.kind });
  }
  return out.sort(byScore);
}

/**
 * §3.2/3.3: a valid ID found in the register whose normalised name is not equal to the holder's
 * (equal names are decided in SQL). A homophone, one character, or a missing name on either side
 * is still matched by ID; a clearly different name is a CONFLICT, reviewed with the ID's holder
 * plus any name + birth-date candidates (`alternatives`) that reach the review threshold.
 */
export function decideIdRow(
  rowNo: number,
  name: RowName | null,
  holder: PersonCandidate,
  alternatives: readonly PersonCandidate[],
  t: MatchThresholds,
): MatchDecision {
  if (name === null || holder.nameNorm === '') {
    return {
      rowNo,
      method: 'ID',
      personId: holder.personId,
      score: 1,
      evidence: { idStatus: 'VALID', name: 'MISSING' },
    };
  }
  // floor 0: always the full comparison. For non-empty names DIFFERENT is exactly namesClearlyDiffer
  // (not equal, not the same pinyin syllables, at least two characters apart).
  const cmp = scoreName(name, holder, 0) ?? { kind: 'DIFFERENT', score: 0 };
  if (cmp.kind !== 'DIFFERENT') {
    return {
      rowNo,
      method: 'ID',
      personId: holder.personId,
      score: 1,
      evidence: { idStatus: 'VALID', name: cmp.kind, nameScore: cmp.score },
    };
  }
  const others = scoreCandidates(
    name,
    alternatives.filter((p) => p.personId !== holder.personId),
    t,
  );
  const candidates = [
    { personId: holder.personId, score: round3(cmp.score), kind: 'ID' as const },
    ...others,
  ];
  return {
    rowNo,
    method: 'CONFLICT',
    personId: null,
    score: null,
    evidence: {
      idStatus: 'VALID',
      name: 'DIFFERENT',
      nameScore: round3(cmp.score),
      idPersonId: holder.personId,
      alternatives: others.length,
    },
    review: { kind: 'CONFLICT', candidates: candidates.slice(0, REVIEW_CANDIDATE_LIMIT) },
  };
}

/** What the fallback used from the row (for evidence). */
export interface FallbackBasis {
  idStatus: string;
  /** Where the birth date came from: the row's own column, or the ID's date part. */
  birthDate: 'row' | 'id';
  /** Whether the row's gender narrowed the candidates (the SQL keeps compatible genders only). */
  gender: boolean;
  /** The row's town, when the register knows it: it narrows the candidates (below). */
  townId: number | null;
}

/**
 * §3.5: no usable ID, a birth date. Candidates (same birth date, compatible gender) are scored on
 * the name; those below the review threshold are dropped.
 *   - Two or more equal names (namesakes): REVIEW, always — whatever the town says.
 *   - The row's town narrows the rest; nobody left in that town but someone elsewhere: REVIEW.
 *   - Exactly one at or above auto and no other at or above review: FALLBACK with its score.
 *   - Several at or above review, or a best below auto (borderline): REVIEW. None: UNMATCHED.
 */
export function decideFallback(
  rowNo: number,
  name: RowName | null,
  persons: readonly PersonCandidate[],
  basis: FallbackBasis,
  t: MatchThresholds,
): MatchDecision {
  const base = {
    idStatus: basis.idStatus,
    birthDate: basis.birthDate,
    gender: basis.gender,
    town: basis.townId !== null,
    candidates: persons.length,
  };
  if (name === null) return unmatched(rowNo, { ...base, reason: 'NO_NAME' });
  const above = scoreCandidates(name, persons, t);
  if (above.length === 0)
    return unmatched(rowNo, { ...base, reason: persons.length === 0 ? 'NO_CANDIDATE' : 'BELOW_REVIEW' });
  if (above.filter((c) => c.kind === 'EXACT').length >= 2)
    return review(rowNo, above, { ...base, reason: 'NAMESAKES' });

  const townOf = new Map(persons.map((p) => [p.personId, p.townId]));
  const inTown = basis.townId === null ? above : above.filter((c) => townOf.get(c.personId) === basis.townId);
  if (inTown.length === 0) return review(rowNo, above, { ...base, reason: 'OTHER_TOWN' });
  const best = inTown[0]!;
  if (inTown.length === 1 && best.score >= t.autoMatchMinScore) {
    return {
      rowNo,
      method: 'FALLBACK',
      personId: best.personId,
      score: best.score,
      evidence: { ...base, name: best.kind, nameScore: best.score, aboveReview: above.length },
    };
  }
  return review(rowNo, inTown, { ...base, reason: inTown.length >= 2 ? 'SEVERAL_CANDIDATES' : 'BORDERLINE' });
}

function review(
  rowNo: number,
  candidates: readonly ReviewCandidate[],
  evidence: Record<string, unknown>,
): MatchDecision {
  const best = candidates[0]?.score ?? null;
  return {
    rowNo,
    method: 'REVIEW',
    personId: null,
    score: best,
    evidence: { ...evidence, aboveReview: candidates.length, bestScore: best },
    review: { kind: 'REVIEW', candidates: candidates.slice(0, REVIEW_CANDIDATE_LIMIT) },
  };
}

/**
 * §3: a row with neither a usable ID nor a birth date (e.g. scientific notation, no birth column)
 * never auto-matches: REVIEW when its normalised name exists among the active persons, else
 * UNMATCHED. `personIds` is capped by the caller; `total` counts them all (up to a cap).
 */
export function decideNameOnly(
  rowNo: number,
  name: RowName | null,
  personIds: readonly number[],
  total: number,
  basis: { idStatus: string; gender: boolean; town: boolean },
): MatchDecision {
  const base = { ...basis, birthDate: null, candidates: total };
  if (name === null) return unmatched(rowNo, { ...base, reason: 'NO_NAME' });
  if (personIds.length === 0) return unmatched(rowNo, { ...base, reason: 'NAME_NOT_IN_REGISTER' });
  const candidates = personIds
    .slice(0, REVIEW_CANDIDATE_LIMIT)
    .map((personId) => ({ personId, score: NAME_SCORES.EXACT, kind: 'NAME_ONLY' as const }));
  return {
    rowNo,
    method: 'REVIEW',
    personId: null,
    score: null,
    evidence: { ...base, reason: 'NAME_ONLY' },
    review: { kind: 'REVIEW', candidates },
  };
}

function unmatched(rowNo: number, evidence: Record<string, unknown>): MatchDecision {
  return { rowNo, method: 'UNMATCHED', personId: null, score: null, evidence };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
