// Shared set-up of the matching tests: a register loaded from small hand-made CSV files through the
// real register import, imports with staged rows inserted directly (as the import stage writes them),
// and an AppContext on the test database. Test code only.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadDeploymentConfig, repoRoot } from '@ew/config';
import { idCheckDigit, normaliseName } from '@ew/core';
import type { Gender } from '@ew/db';
import { loadMappings } from '@ew/ingest';
import type { TestDatabase } from '../../../../test/harness/db.ts';
import type { AppContext } from '../context.ts';
import { importRegister, type RegisterImportResult } from '../register/register-import.ts';

export const REGISTER_HEADER =
  '户编号,托管镇,村社区,城乡类别,家庭住址,家庭月收入,救助类别,曾申请未通过,未通过日期,公民身份号码,姓名,性别,出生日期,与户主关系';

/** A valid ID for a birth date and sequence (odd sequence = male). */
export function validId(birth: string, seq: number, region = '130802'): string {
  const first17 = `${region}${birth.replaceAll('-', '')}${String(seq).padStart(3, '0')}`;
  return first17 + idCheckDigit(first17);
}

/** The same ID with a broken check digit. */
export function badCheckDigit(id: string): string {
  return id.slice(0, 17) + (id[17] === '1' ? '2' : '1');
}

export interface RegisterPerson {
  household: string;
  town: string;
  id: string;
  name: string;
  gender: Gender;
  birth: string;
  relation?: string;
}

export function registerCsv(persons: readonly RegisterPerson[]): string {
  const lines = persons.map(
    (p) =>
      `${p.household},${p.town},某村,城市,地址,3000,一般,否,,${p.id},${p.name},${p.gender === 'M' ? '男' : '女'},${p.birth},${p.relation ?? '户主'}`,
  );
  return [REGISTER_HEADER, ...lines].join('\r\n') + '\r\n';
}

export async function matchTestContext(tdb: TestDatabase): Promise<AppContext> {
  const root = repoRoot();
  return {
    database: tdb,
    config: loadDeploymentConfig(join(root, 'infra/config/deployment.yaml')),
    mappings: await loadMappings(join(root, 'infra/feeds')),
    fileStoreDir: await mkdtemp(join(tmpdir(), 'ew-match-files-')),
    logger: createLogger('test', 'silent'),
    close: async () => undefined,
  };
}

/**
 * Drops the test database. The harness's drop() ends the pool without waiting for the sockets to
 * close, so DROP DATABASE … WITH (FORCE) can terminate a client that is still closing; its error
 * then surfaces as an uncaught exception. Swallow those on the way out (harness race, not ours).
 */
export async function dropTestDatabase(tdb: TestDatabase | undefined): Promise<void> {
  if (tdb === undefined) return;
  await tdb.drop();
}

let fileCounter = 0;

export async function loadRegister(
  ctx: AppContext,
  persons: readonly RegisterPerson[],
): Promise<RegisterImportResult> {
  const dir = await mkdtemp(join(tmpdir(), 'ew-match-register-'));
  const path = join(dir, `register-${++fileCounter}.csv`);
  await writeFile(path, registerCsv(persons));
  const result = await importRegister(
    { database: ctx.database, mapping: ctx.mappings.get('register')!, logger: ctx.logger },
    path,
  );
  if (result.outcome !== 'APPLIED') throw new Error(`register not applied: ${JSON.stringify(result.error)}`);
  return result;
}

/** A staged row as the import stage writes it (see the staged_rows contract). */
export interface StagedInput {
  rowNo: number;
  /** A valid ID (status VALID), or omitted. */
  id?: string;
  /** For rows without a valid ID: EMPTY, SCIENTIFIC_NOTATION, BAD_CHECK_DIGIT … */
  idStatus?: string;
  name?: string | null;
  birthDate?: string;
  /** The birth date is the row's own column (else it came from the ID's date part). */
  birthFromRow?: boolean;
  gender?: Gender;
  town?: string;
  duplicateOf?: number;
}

export async function createImport(
  ctx: AppContext,
  input: {
    feed: string;
    period: string;
    status?: 'STAGED' | 'MATCHED' | 'EVALUATED';
    rows: readonly StagedInput[];
  },
): Promise<number> {
  const db = ctx.database.db;
  const { id } = await db
    .insertInto('imports')
    .values({
      feed: input.feed,
      period: input.period,
      file_sha256: `sha-${input.feed}-${input.period}-${++fileCounter}`,
      file_name: `${input.feed}.csv`,
      stored_path: '/dev/null',
      format: 'csv',
      encoding: 'utf-8',
      status: input.status ?? 'STAGED',
      error_code: null,
      error_message: null,
      rows_new: null,
      rows_changed: null,
      rows_gone: null,
      previous_import_id: null,
      replaces_import_id: null,
      requested_by: 'test',
      started_at: null,
      staged_at: null,
      finished_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (input.rows.length > 0) {
    await db
      .insertInto('staged_rows')
      .values(
        input.rows.map((r) => ({
          import_id: id,
          row_no: r.rowNo,
          id_number: r.id ?? null,
          id_status: r.id !== undefined ? 'VALID' : (r.idStatus ?? 'EMPTY'),
          name: r.name ?? null,
          name_norm: r.name == null ? null : normaliseName(r.name),
          birth_date: r.birthDate ?? null,
          gender: r.gender ?? null,
          town: r.town ?? null,
          row_key: `k${r.rowNo}`,
          duplicate_of: r.duplicateOf ?? null,
          payload: JSON.stringify(r.birthFromRow && r.birthDate ? { birth_date: r.birthDate } : {}),
        })),
      )
      .execute();
  }
  return id;
}

export async function planMatch(
  ctx: AppContext,
  importId: number,
  ranges: ReadonlyArray<[number, number]>,
): Promise<void> {
  await ctx.database.db
    .insertInto('import_chunks')
    .values(
      ranges.map(([from, to], chunk) => ({
        import_id: importId,
        stage: 'match' as const,
        chunk,
        row_from: from,
        row_to: to,
      })),
    )
    .execute();
}

export async function matchesOf(ctx: AppContext, importId: number) {
  const rows = await ctx.database.db
    .selectFrom('matches as m')
    .leftJoin('persons as p', 'p.id', 'm.person_id')
    .select(['m.row_no', 'm.method', 'm.score', 'm.evidence', 'm.person_id', 'p.id_number'])
    .where('m.import_id', '=', importId)
    .orderBy('m.row_no')
    .execute();
  return new Map(rows.map((r) => [r.row_no, r]));
}

export async function personIdOf(ctx: AppContext, idNumber: string): Promise<number> {
  const p = await ctx.database.db
    .selectFrom('persons')
    .select('id')
    .where('id_number', '=', idNumber)
    .executeTakeFirstOrThrow();
  return p.id;
}
