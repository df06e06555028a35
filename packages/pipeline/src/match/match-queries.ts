// The set-based SQL of the matcher. Every statement covers all rows of a chunk (or row set) at once:
// the ID join writes the bulk of the matches inside Postgres; the rest (names that are not equal
// after normalisation, rows without a usable ID) is fetched in one query per kind and decided in
// TypeScript (decide.ts). Duplicate rows (duplicate_of set) are never matched.
import { sql, type Transaction } from 'kysely';
import type { DB, Gender } from '@ew/db';
import type { PersonCandidate } from './decide.ts';
import { rowFilterSql, type RowFilter } from './row-filter.ts';

export type MethodCounts = Record<string, number>;

/** A row the ID join left undecided (names not equal, or no usable ID). */
export interface RemainderRow {
  rowNo: number;
  idNumberPresent: boolean;
  idStatus: string;
  nameNorm: string | null;
  birthDate: string | null;
  /** The birth date is the row's own column (else it came from the ID's date part). */
  birthFromRow: boolean;
  gender: Gender | null;
  /** The row's town, when the register knows it (else the town cannot narrow candidates). */
  townId: number | null;
  /** The active register person holding the row's valid ID, if any. */
  holder: PersonCandidate | null;
}

export interface IdJoinResult {
  /** Matches written by the statement, per method (ID, OUTSIDE). */
  counts: MethodCounts;
  /** The rest, for TypeScript: rows without a matches row, in row order. */
  remainder: RemainderRow[];
}

interface RemainderJson {
  r: number;
  hasId: boolean;
  st: string;
  nm: string | null;
  bd: string | null;
  bfr: boolean;
  g: Gender | null;
  town: number | null;
  hid: number | null;
  hnm: string | null;
  hpy: string | null;
}

/**
 * Step 1 of match-rows.ts, ONE statement over the staged rows joined to the register on the ID:
 *   - valid ID of an active person with the same normalised name → ID (the vast majority);
 *   - valid ID of nobody, or only of a person who left the register → OUTSIDE;
 * both inserted inside Postgres; every other row comes back as JSON with the ID's holder, for
 * decide.ts (a few per cent of rows). Rows that already have a match are left alone (a rematch).
 *
 * EXPLAIN ANALYZE (1,000,000 persons, chunk of 50,000 staged rows, PG 15, work_mem 64 MB):
 *   Insert on matches (46,829 inserted; written with on conflict then)    ~1.1–1.3 s in all
 *     → CTE chunk: Hash Right Join (p.id_number = s.id_number)           ~0.45 s
 *         → Seq Scan on persons (1,000,000 rows, probing the chunk's hash)
 *         → Hash (Batches: 1) ← Bitmap Heap Scan on staged_rows (import_id, row_no range)
 *     the insert itself ~0.6 s; the remainder (2,084 rows) as JSON ~35 ms
 *   With the default 4 MB work_mem the hash spilled in two batches (1.5–1.9 s a chunk). An index
 *   nested loop over persons_id_number_key costs the same here (~0.5 s); the planner uses it for a
 *   small row set (rematch). Matches carry no foreign keys (T0006: they cost more than the join)
 *   and no person index (T0013).
 */
export async function matchByIdInSql(
  trx: Transaction<DB>,
  importId: number,
  filter: RowFilter,
): Promise<IdJoinResult> {
  const { rows } = await sql<{ counts: MethodCounts; remainder: RemainderJson[] }>`
    with chunk as (
      select s.import_id, s.row_no, s.id_number, s.id_status, s.name_norm, s.birth_date, s.gender,
             s.town, (s.payload->>'birth_date') is not null as birth_from_row,
             p.id as person_id, p.active, p.name_norm as person_name, p.name_pinyin as person_pinyin,
             -- coalesce: a null name must not make the row vanish from both branches below
             coalesce(s.id_number is not null
                      and (p.id is null or not p.active or p.name_norm = s.name_norm), false) as decided,
             m.row_no is not null as matched_before
        from staged_rows s
        left join persons p on p.id_number = s.id_number
        -- rows matched before (a rerun, a rematch) are left alone; joined here, once, and on the
        -- chunk's rows only: as an anti join under the remainder below, the planner took matches
        -- for empty (no statistics yet in a first import) and scanned it whole for every
        -- remainder row (2 s in a chunk); without the range it hashed all the import's matches
        -- so far in every chunk (0.5 s in the last ones)
        left join matches m on m.import_id = ${importId} and ${rowFilterSql(filter, 'm')}
                           and m.row_no = s.row_no
       where s.import_id = ${importId} and ${rowFilterSql(filter)} and s.duplicate_of is null
    ), inserted as (
      insert into matches (import_id, row_no, person_id, method, score, evidence)
      select c.import_id, c.row_no,
             case when c.active then c.person_id end,
             case when c.active then 'ID' else 'OUTSIDE' end,
             case when c.active then 1 end,
             case when c.active then '{"idStatus": "VALID", "name": "EXACT", "nameScore": 1}'::jsonb
                  when c.person_id is null then '{"idStatus": "VALID", "reason": "NOT_IN_REGISTER"}'::jsonb
                  else jsonb_build_object('idStatus', 'VALID', 'reason', 'LEFT_REGISTER', 'personId', c.person_id)
             end
        from chunk c
       where c.decided and not c.matched_before
      -- no 'on conflict do nothing': it doubled the cost of this insert (950k matches copied into
      -- a copy of the table: 3.6–5.0 s plain, 8.0–8.5 s with it). matched_before keeps rerun rows
      -- out, and no other writer inserts these rows meanwhile: the match job holds its chunk's
      -- lock, a rematch the import's, and a rematch only runs once every chunk is matched. Were
      -- that ever broken, the primary key refuses the row and the job fails and is retried.
      returning method
    )
    select
      (select coalesce(jsonb_object_agg(method, n), '{}'::jsonb)
         from (select method, count(*)::int as n from inserted group by method) per_method) as counts,
      (select coalesce(jsonb_agg(jsonb_build_object(
                'r', c.row_no, 'hasId', c.id_number is not null, 'st', c.id_status, 'nm', c.name_norm,
                'bd', c.birth_date, 'bfr', c.birth_from_row, 'g', c.gender, 'town', t.id,
                'hid', case when c.active then c.person_id end,
                'hnm', case when c.active then c.person_name end,
                'hpy', case when c.active then c.person_pinyin end) order by c.row_no), '[]'::jsonb)
         from chunk c
         left join towns t on t.name = c.town
        where not c.decided and not c.matched_before
      ) as remainder`.execute(trx);
  const row = rows[0];
  if (row === undefined) return { counts: {}, remainder: [] };
  return {
    counts: row.counts,
    remainder: row.remainder.map((r) => ({
      rowNo: r.r,
      idNumberPresent: r.hasId,
      idStatus: r.st,
      nameNorm: r.nm,
      birthDate: r.bd,
      birthFromRow: r.bfr,
      gender: r.g,
      townId: r.town,
      holder: r.hid === null ? null : { personId: r.hid, nameNorm: r.hnm ?? '', namePinyin: r.hpy ?? '' },
    })),
  };
}

/**
 * Fallback candidates for the given rows: active persons born on the row's birth date, of a
 * compatible gender (when both are known), with their household's town (the town narrows in
 * decide.ts, after the namesake check). One query for all rows; names are scored in TypeScript.
 *
 * With `nearNamesOnly` (the review threshold is above what a DIFFERENT name can score) only
 * persons who can be EXACT, HOMOPHONE or ONE_CHAR come back: the same normalised name, the same
 * pinyin (the row's, computed in TS, passed along), or a length within one and the same first or
 * last character (an edit distance of 1 always keeps one of them). A birth date shared by ~30
 * register persons then yields a handful of candidates, and a file without any usable ID stays cheap.
 */
export async function fetchBirthCandidates(
  trx: Transaction<DB>,
  importId: number,
  rows: ReadonlyArray<{ rowNo: number; pinyin: string }>,
  nearNamesOnly: boolean,
): Promise<Map<number, PersonCandidate[]>> {
  const byRow = new Map<number, PersonCandidate[]>();
  if (rows.length === 0) return byRow;
  const { rows: found } = await sql<{
    row_no: number;
    person_id: number;
    name_norm: string;
    name_pinyin: string;
    town_id: number | null;
  }>`
    select s.row_no, p.id as person_id, p.name_norm, p.name_pinyin,
           -- the household's town only where the row names one (evaluated lazily)
           case when s.town is not null
                then (select h.town_id from households h where h.id = p.household_id) end as town_id
      from unnest(${rows.map((r) => r.rowNo)}::int[], ${rows.map((r) => r.pinyin)}::text[]) as r(row_no, pinyin)
      join staged_rows s on s.import_id = ${importId} and s.row_no = r.row_no
      join persons p on p.active and p.birth_date = s.birth_date
                    and (s.gender is null or p.gender is null or p.gender = s.gender)
     where not ${nearNamesOnly}
        or p.name_norm = s.name_norm
        or p.name_pinyin = r.pinyin
        or char_length(s.name_norm) <= 1
        or (abs(char_length(p.name_norm) - char_length(s.name_norm)) <= 1
            and (left(p.name_norm, 1) = left(s.name_norm, 1) or right(p.name_norm, 1) = right(s.name_norm, 1)))`.execute(
    trx,
  );
  for (const r of found) {
    const list = byRow.get(r.row_no) ?? [];
    list.push({
      personId: r.person_id,
      nameNorm: r.name_norm,
      namePinyin: r.name_pinyin,
      townId: r.town_id ?? undefined,
    });
    byRow.set(r.row_no, list);
  }
  return byRow;
}

/** Name-only rows report at most this many register persons with their name. */
export const NAME_COUNT_CAP = 1_000;

/**
 * Name-only candidates (rows without a birth date): active persons with the same normalised name,
 * at most `limit` per row (read in index order, so a common name costs no more than a rare one),
 * with their number (capped at NAME_COUNT_CAP).
 */
export async function fetchNameCandidates(
  trx: Transaction<DB>,
  importId: number,
  rowNos: readonly number[],
  limit: number,
): Promise<Map<number, { personIds: number[]; total: number }>> {
  const byRow = new Map<number, { personIds: number[]; total: number }>();
  if (rowNos.length === 0) return byRow;
  const { rows } = await sql<{ row_no: number; person_id: number; total: number }>`
    select s.row_no, c.person_id, n.total
      from staged_rows s
     cross join lateral (
       select p.id as person_id
         from persons p
        where p.active and p.name_norm = s.name_norm
        order by p.birth_date, p.id
        limit ${limit}) c
     cross join lateral (
       select count(*)::int as total
         from (select 1 from persons p where p.active and p.name_norm = s.name_norm limit ${NAME_COUNT_CAP}) x) n
     where s.import_id = ${importId} and s.row_no = any(${[...rowNos]}::int[])
     order by s.row_no`.execute(trx);
  for (const r of rows) {
    const entry = byRow.get(r.row_no) ?? { personIds: [], total: r.total };
    entry.personIds.push(r.person_id);
    byRow.set(r.row_no, entry);
  }
  return byRow;
}
