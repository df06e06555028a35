// Test fixtures for the rules and alerts tests: a small register, deliveries with staged rows and
// matches written directly, and an AppContext on a test database. Not a test file itself.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { sql } from 'kysely';
import {
  createLogger,
  loadDeploymentConfig,
  parseDeploymentConfig,
  repoRoot,
  type DeploymentConfig,
} from '@ew/config';
import { idCheckDigit } from '@ew/core';
import type { AssistanceStatus, AreaType, Database, MatchMethod } from '@ew/db';
import type { TestDatabase } from '../../../../test/harness/db.ts';
import type { AppContext } from '../context.ts';
import { addRaised, EMPTY_RAISE, raiseAlerts, type RaiseResult } from '../alerts/raise-alerts.ts';
import { chunkRanges, planChunks } from '../pipeline/progress.ts';
import { evaluateChunk } from './evaluate-chunk.ts';

/** infra/config/deployment.yaml: URBAN 900 / RURAL 700 from 2023-01-01, 950 / 750 from 2023-07-01, factor 1.5. */
export const SAMPLE_CONFIG: DeploymentConfig = loadDeploymentConfig(
  join(repoRoot(), 'infra/config/deployment.yaml'),
);

/** A config like the sample with changes (standards, threshold versions) for one test. */
export function configWith(changes: {
  lowIncomeStandards?: Array<{ areaType: AreaType; monthlyPerPerson: number; effectiveFrom: string }>;
  thresholds?: Array<{ effectiveFrom: string; values: Record<string, unknown> }>;
  marginalFactor?: number;
}): DeploymentConfig {
  return parseDeploymentConfig({
    district: 'test',
    lowIncomeStandards: changes.lowIncomeStandards ?? SAMPLE_CONFIG.lowIncomeStandards.map((s) => ({ ...s })),
    marginalFactor: changes.marginalFactor ?? 1.5,
    thresholds: changes.thresholds ?? [{ effectiveFrom: '2020-01-01', values: {} }],
  });
}

export function testContext(tdb: TestDatabase, config: DeploymentConfig = SAMPLE_CONFIG): AppContext {
  return {
    database: tdb,
    config,
    mappings: new Map(),
    fileStoreDir: '/nonexistent',
    logger: createLogger('test', 'silent'),
    close: async () => undefined,
  };
}

let sequence = 0;
/** A valid resident ID for a birth date, unique within the test process. */
export function makeId(birth: string): string {
  sequence += 1;
  const first17 = `130802${birth.replaceAll('-', '')}${String(sequence % 1000).padStart(3, '0')}`;
  return first17 + idCheckDigit(first17);
}

export interface HouseholdSpec {
  town?: string;
  area?: AreaType;
  /** Monthly household income; null = unknown. Default 5000. */
  income?: number | null;
  status?: AssistanceStatus;
  /** Birth dates of the members (the first is the head); default one adult. */
  members?: Array<string | null>;
  refusedBefore?: boolean;
}

export interface TestHousehold {
  householdId: number;
  townId: number;
  personIds: number[];
}

let householdSeq = 0;
export async function addHousehold(db: Database, spec: HouseholdSpec = {}): Promise<TestHousehold> {
  householdSeq += 1;
  const townName = spec.town ?? '城关镇';
  await db
    .insertInto('towns')
    .values({ name: townName })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const town = await db
    .selectFrom('towns')
    .select('id')
    .where('name', '=', townName)
    .executeTakeFirstOrThrow();
  const members = spec.members ?? ['1980-05-05'];
  const household = await db
    .insertInto('households')
    .values({
      household_no: `H${householdSeq}-${Math.random().toString(36).slice(2, 8)}`,
      town_id: town.id,
      village: null,
      area_type: spec.area ?? 'URBAN',
      address: null,
      monthly_income: spec.income === undefined ? 5000 : spec.income,
      assistance_status: spec.status ?? 'NONE',
      refused_before: spec.refusedBefore ?? false,
      refused_on: spec.refusedBefore ? '2022-06-01' : null,
      member_count: members.length,
      snapshot_id: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const personIds: number[] = [];
  for (const [i, birth] of members.entries()) {
    const person = await db
      .insertInto('persons')
      .values({
        id_number: makeId(birth ?? '1980-01-01'),
        name: `张${'三四五六七'[i % 5]}`,
        name_norm: `张${'三四五六七'[i % 5]}`,
        name_pinyin: 'zhang',
        gender: 'M',
        birth_date: birth,
        household_id: household.id,
        relation: i === 0 ? 'HEAD' : 'CHILD',
        snapshot_id: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    personIds.push(person.id);
  }
  return { householdId: household.id, townId: town.id, personIds };
}

/** An education row of a pupil who dropped out (EDU_DROPOUT). */
export const DROPOUT_ROW = Object.freeze({
  school: '一中',
  stage: 'JUNIOR',
  status: 'DROPPED_OUT',
  annual_fees: null,
  aid_received: null,
});

/** An education row with school fees (EDU_EXPENSE when fees − aid > 30% of annual income). */
export const feesRow = (fees: number, aid = 0) => ({
  school: '一中',
  stage: 'SENIOR',
  status: 'ENROLLED',
  annual_fees: fees,
  aid_received: aid,
});

export interface RowSpec {
  personId: number | null;
  payload: Record<string, unknown>;
  method?: MatchMethod;
  score?: number | null;
  /** Who the row is about (delivery deltas); default the person. */
  rowKey?: string;
  duplicateOf?: number | null;
}

export interface DeliverySpec {
  feed: string;
  period: string;
  rows: RowSpec[];
  /** The feed's previous delivery: rows get NEW / CHANGED / SAME against it, as the import stage does. */
  previousImportId?: number;
  replacesImportId?: number;
  chunkSize?: number;
  fileName?: string;
}

let deliverySeq = 0;
/** An import in status MATCHED with staged rows (row_no from 2), matches and planned evaluate chunks. */
export async function addDelivery(
  db: Database,
  spec: DeliverySpec,
): Promise<{ importId: number; rowNos: number[] }> {
  deliverySeq += 1;
  const imp = await db
    .insertInto('imports')
    .values({
      feed: spec.feed,
      period: spec.period,
      file_sha256: createHash('sha256').update(`delivery ${deliverySeq} ${Math.random()}`).digest('hex'),
      file_name: spec.fileName ?? `${spec.feed}-${spec.period}.csv`,
      stored_path: '/nonexistent',
      format: 'csv',
      encoding: 'utf-8',
      status: 'MATCHED',
      error_code: null,
      error_message: null,
      rows_new: null,
      rows_changed: null,
      rows_gone: null,
      previous_import_id: spec.previousImportId ?? null,
      replaces_import_id: spec.replacesImportId ?? null,
      requested_by: 'test',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const rowNos = spec.rows.map((_, i) => i + 2);
  if (spec.rows.length > 0) {
    await db
      .insertInto('staged_rows')
      .values(
        spec.rows.map((r, i) => {
          const payload = JSON.stringify(r.payload);
          return {
            import_id: imp.id,
            row_no: i + 2,
            id_number: null,
            id_status: 'VALID',
            name: null,
            name_norm: null,
            birth_date: null,
            gender: null,
            town: null,
            row_key: r.rowKey ?? `person:${r.personId ?? `none-${i}`}`,
            duplicate_of: r.duplicateOf ?? null,
            delta: null,
            payload,
          };
        }),
      )
      .execute();
    await db
      .insertInto('matches')
      .values(
        spec.rows.map((r, i) => ({
          import_id: imp.id,
          row_no: i + 2,
          person_id: r.personId,
          method: r.method ?? (r.personId === null ? 'UNMATCHED' : 'ID'),
          score: r.score ?? (r.personId === null ? null : 1),
          evidence: '{}',
        })),
      )
      .execute();
  }
  // delivery delta, as the import stage computes it
  await sql`
    update staged_rows s
       set delta = case
             when ${spec.previousImportId ?? null}::bigint is null then 'NEW'
             when exists (select 1 from staged_rows p where p.import_id = ${spec.previousImportId ?? null}::bigint
                           and p.row_key = s.row_key and p.row_hash = s.row_hash) then 'SAME'
             when exists (select 1 from staged_rows p where p.import_id = ${spec.previousImportId ?? null}::bigint
                           and p.row_key = s.row_key) then 'CHANGED'
             else 'NEW' end
     where s.import_id = ${imp.id} and s.duplicate_of is null`.execute(db);
  const last = Math.max(2, ...rowNos);
  await planChunks(db, imp.id, 'evaluate', chunkRanges(2, last, spec.chunkSize ?? 1000));
  return { importId: imp.id, rowNos };
}

/** Runs every evaluate chunk of an import, then the raiseAlerts job the last one recorded. */
export async function evaluateDelivery(ctx: AppContext, importId: number) {
  const chunks = await ctx.database.db
    .selectFrom('import_chunks')
    .select(['chunk', 'row_from', 'row_to'])
    .where('import_id', '=', importId)
    .where('stage', '=', 'evaluate')
    .orderBy('chunk')
    .execute();
  const outcomes = [];
  for (const c of chunks) {
    outcomes.push(
      await evaluateChunk(ctx, { importId, chunk: c.chunk, rowFrom: c.row_from ?? 0, rowTo: c.row_to ?? 0 }),
    );
  }
  // the raiseAlerts jobs the last chunk recorded (one per household bucket), run one after the other
  const jobs = await ctx.database.db
    .selectFrom('outbox')
    .select('payload')
    .where('queue', '=', 'raiseAlerts')
    .where('job_id', 'like', `alerts-${importId}-%`)
    .orderBy('id')
    .execute();
  let raised: (RaiseResult & { outcome: 'raised' }) | null = null;
  for (const job of jobs) {
    const outcome = await raiseAlerts(ctx, job.payload as { importId: number; bucket: number });
    if (outcome.outcome !== 'raised') continue;
    raised = { outcome: 'raised', ...addRaised(raised ?? { ...EMPTY_RAISE }, outcome) };
  }
  return { outcomes, raised };
}

/** Signal codes per row of an import. */
export async function codesByRow(db: Database, importId: number): Promise<Map<number, string[]>> {
  const rows = await db
    .selectFrom('signals')
    .select(['row_no', 'code'])
    .where('import_id', '=', importId)
    .orderBy('row_no')
    .orderBy('code')
    .execute();
  const out = new Map<number, string[]>();
  for (const r of rows) out.set(r.row_no ?? 0, [...(out.get(r.row_no ?? 0) ?? []), r.code]);
  return out;
}

/** Counts of the tables the rules and alerts write. */
export async function tableCounts(db: Database): Promise<Record<string, number>> {
  const { rows } = await sql<Record<string, number>>`
    select (select count(*) from signals)::int as signals, (select count(*) from alerts)::int as alerts,
           (select count(*) from tasks)::int as tasks, (select count(*) from task_events)::int as task_events,
           (select count(*) from outbox)::int as outbox, (select count(*) from rule_runs)::int as rule_runs`.execute(
    db,
  );
  return rows[0] ?? {};
}
