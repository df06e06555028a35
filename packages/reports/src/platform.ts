// The provincial platform export (省平台导入): the households newly included as marginal and the
// aid cases closed in a period, one row per closing event, in the columns the platform's template
// wants (infra/config/platform-export.yaml). Full ID numbers only for the roles that may see them
// (SUPERVISOR, ADMIN), else masked; every export writes an audit row ('export.platform').
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { audit } from '@ew/accounts';
import { repoRoot, resolveFromRoot } from '@ew/config';
import { csvLine, DomainError, maskIdNumber } from '@ew/core';
import type { AreaType, Database, TaskOutcome, UserRole } from '@ew/db';
import { OUTCOME_LABELS } from './labels.ts';
import { parsePeriod, shanghaiDay } from './period.ts';
import { closes, townAsOf, ts } from './task-state.ts';

export const PLATFORM_FIELDS = [
  'seq',
  'taskId',
  'closedOn',
  'outcome',
  'outcomeLabel',
  'aidAmount',
  'town',
  'village',
  'householdNo',
  'address',
  'areaType',
  'memberCount',
  'name',
  'idNumber',
] as const;
export type PlatformField = (typeof PLATFORM_FIELDS)[number];

const configSchema = z.strictObject({
  sheetName: z.string().trim().min(1).max(31).default('Sheet1'),
  columns: z
    .array(z.strictObject({ header: z.string().trim().min(1), field: z.enum(PLATFORM_FIELDS) }))
    .min(1),
});
export type PlatformExportConfig = z.output<typeof configSchema>;

/** `REPORT_CONFIG_INVALID`: the platform export config cannot be read or is not valid. */
export class ReportConfigError extends DomainError<'REPORT_CONFIG_INVALID'> {
  constructor(message: string) {
    super('REPORT_CONFIG_INVALID', message);
  }
}

export function parsePlatformExportConfig(
  document: unknown,
  source = 'platform export config',
): PlatformExportConfig {
  const result = configSchema.safeParse(document);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ReportConfigError(`Invalid ${source}: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Reads the config: `path`, else PLATFORM_EXPORT_CONFIG, else infra/config/platform-export.yaml (from the repository root). */
export function loadPlatformExportConfig(
  path?: string,
  env: NodeJS.ProcessEnv = process.env,
): PlatformExportConfig {
  const file = resolveFromRoot(
    repoRoot(env),
    path ?? env['PLATFORM_EXPORT_CONFIG'] ?? 'infra/config/platform-export.yaml',
  );
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ReportConfigError(`Cannot read platform export config ${file}: ${(err as Error).message}`);
  }
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ReportConfigError(
      `Platform export config ${file} is not valid YAML: ${doc.errors[0]?.message.split('\n')[0]}`,
    );
  }
  return parsePlatformExportConfig(doc.toJS(), file);
}

/** The roles that get full ID numbers in the export. */
export const FULL_ID_ROLES: readonly UserRole[] = ['SUPERVISOR', 'ADMIN'];

export const PLATFORM_OUTCOMES = [
  'INCLUDED_MARGINAL',
  'TEMP_AID_EMERGENCY',
  'TEMP_AID_EXPENSE',
  'CASE_BY_CASE',
] as const satisfies readonly TaskOutcome[];

type Values = Record<PlatformField, string | number | null>;

interface Raw {
  task_id: number;
  at: Date;
  outcome: TaskOutcome;
  amount: number | null;
  town: string | null;
  village: string | null;
  household_no: string | null;
  address: string | null;
  area_type: AreaType | null;
  member_count: number | null;
  name: string | null;
  id_number: string | null;
}

async function platformRows(db: Database, periodId: string, fullIds: boolean): Promise<Values[]> {
  const p = parsePeriod(periodId);
  const outcomes = sql.join(PLATFORM_OUTCOMES.map((o) => sql.lit(o)));
  const { rows } = await sql<Raw>`
    select ev.task_id, ev.at, ev.detail->>'outcome' as outcome, (ev.detail->>'aidAmount')::numeric as amount,
           tw.name as town, coalesce(h.village, t.subject_village) as village, h.household_no,
           coalesce(h.address, t.subject_address) as address, h.area_type, h.member_count,
           coalesce(head.name, t.subject_name) as name, coalesce(head.id_number, t.subject_id_number) as id_number
      from task_events ev
      join tasks t on t.id = ev.task_id
      left join towns tw on tw.id = ${townAsOf('ev.task_id', sql`ev.at`)}
      left join households h on h.id = t.household_id
      left join lateral (select p.name, p.id_number from persons p
                          where p.household_id = h.id
                          order by p.relation = 'HEAD' desc, p.active desc, p.id limit 1) head on true
     where ${closes('ev')} and ev.at >= ${ts(p.from)} and ev.at < ${ts(p.to)}
       and ev.detail->>'outcome' in (${outcomes})
     order by ev.at, ev.task_id`.execute(db);
  return rows.map((r, i) => ({
    seq: i + 1,
    taskId: r.task_id,
    closedOn: shanghaiDay(r.at),
    outcome: r.outcome,
    outcomeLabel: OUTCOME_LABELS[r.outcome] ?? r.outcome,
    aidAmount: r.amount === null ? null : Number(r.amount),
    town: r.town,
    village: r.village,
    householdNo: r.household_no,
    address: r.address,
    areaType: r.area_type === null ? null : r.area_type === 'URBAN' ? '城市' : '农村',
    memberCount: r.member_count,
    name: r.name,
    idNumber: r.id_number === null ? null : fullIds ? r.id_number : maskIdNumber(r.id_number),
  }));
}

export interface PlatformExportRequest {
  period: string;
  format: 'csv' | 'xlsx';
  /** Who asks: the audit's actor, and whether full ID numbers go out. */
  actor: { username: string; role: UserRole | null };
  config?: PlatformExportConfig;
}

export interface PlatformExport {
  fileName: string;
  contentType: string;
  body: Buffer;
  rows: number;
  fullIds: boolean;
}

/** Builds the export and audits it (the audit row is written before the bytes are handed out). */
export async function platformExport(db: Database, req: PlatformExportRequest): Promise<PlatformExport> {
  const config = req.config ?? loadPlatformExportConfig();
  const fullIds = req.actor.role !== null && FULL_ID_ROLES.includes(req.actor.role);
  const values = await platformRows(db, req.period, fullIds);
  const headers = config.columns.map((c) => c.header);
  const cells = values.map((v) => config.columns.map((c) => v[c.field]));
  let body: Buffer;
  if (req.format === 'csv') {
    body = Buffer.from('\uFEFF' + csvLine(headers) + cells.map(csvLine).join(''), 'utf8');
  } else {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet(config.sheetName);
    ws.addRow(headers).font = { bold: true };
    // ID numbers and household numbers are text, never numbers (Excel would round 18 digits)
    for (const r of cells) ws.addRow(r.map((c) => (typeof c === 'number' ? c : (c ?? ''))));
    config.columns.forEach((c, i) => {
      const col = ws.getColumn(i + 1);
      col.width = c.field === 'idNumber' || c.field === 'address' ? 22 : 12;
      if (c.field === 'idNumber' || c.field === 'householdNo') col.numFmt = '@';
      if (c.field === 'aidAmount') col.numFmt = '#,##0.00';
    });
    body = Buffer.from(await wb.xlsx.writeBuffer());
  }
  await audit(db, {
    actor: req.actor.username,
    action: 'export.platform',
    subjectType: 'report_period',
    subjectId: req.period,
    detail: { format: req.format, rows: values.length, fullIds },
  });
  return {
    fileName: `platform-${req.period}.${req.format}`,
    contentType:
      req.format === 'csv'
        ? 'text/csv; charset=utf-8'
        : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    body,
    rows: values.length,
    fullIds,
  };
}
