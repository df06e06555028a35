// Streams a register file into a temporary load table, accepted rows and rejected rows alike
// (one COPY, bounded memory). Everything after this is set-based SQL (register-apply.ts).
import type pg from 'pg';
import { namePinyin } from '@ew/core';
import { copyRows, type CopyValue } from '@ew/db';
import { createRowMapper, type FeedMapping, type ResolvedHeaders, type SourceTable } from '@ew/ingest';

/** Columns of the temp table `register_load`, in COPY order. */
const LOAD_COLUMNS = [
  'row_no',
  'rejects',
  'household_no',
  'town',
  'village',
  'area_type',
  'address',
  'monthly_income',
  'assistance_status',
  'refused_before',
  'refused_on',
  'id_number',
  'name',
  'name_norm',
  'name_pinyin',
  'gender',
  'birth_date',
  'relation',
] as const;

const EMPTY_FIELDS: null[] = new Array(LOAD_COLUMNS.length - 2).fill(null);

export async function createLoadTable(client: pg.PoolClient): Promise<void> {
  await client.query(`
    create temp table register_load (
      row_no integer primary key,
      rejects jsonb,
      household_no text, town text, village text, area_type text, address text,
      monthly_income numeric(12, 2), assistance_status text, refused_before boolean, refused_on date,
      id_number text, name text, name_norm text, name_pinyin text, gender char(1), birth_date date,
      relation text
    ) on commit drop`);
}

export interface LoadCounts {
  rowsRead: number;
}

/** Maps every row of `table` and COPYs it into `register_load`. */
export async function loadRegisterRows(
  client: pg.PoolClient,
  mapping: FeedMapping,
  resolved: ResolvedHeaders,
  table: SourceTable,
): Promise<LoadCounts> {
  const mapRow = createRowMapper(mapping, resolved);
  async function* rows(): AsyncGenerator<CopyValue[]> {
    for await (const source of table.rows) {
      const result = mapRow(source);
      if (!result.ok) {
        yield [source.rowNo, JSON.stringify(result.rejects), ...EMPTY_FIELDS];
        continue;
      }
      const f = result.record.fields;
      const nameNorm = f['name_norm'] as string;
      yield [
        source.rowNo,
        null,
        f['household_no'],
        f['town'],
        f['village'],
        f['area_type'],
        f['address'],
        f['monthly_income'],
        f['assistance_status'],
        // an empty flag beside a refusal date: refused (the date says so); else not refused
        f['refused_before'] ?? f['refused_on'] !== null,
        f['refused_on'],
        f['id_number'],
        f['name'],
        nameNorm,
        namePinyin(nameNorm),
        // the register's own gender/birth columns win; else what the ID says
        f['gender'] ?? f['id_gender'],
        f['birth_date'] ?? f['id_birth_date'],
        f['relation'],
      ];
    }
  }
  const rowsRead = await copyRows(client, 'register_load', LOAD_COLUMNS, rows());
  return { rowsRead };
}
