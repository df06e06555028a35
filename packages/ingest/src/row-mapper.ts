// Source row → mapped record, or the reasons it is rejected (domain §2.2/2.3: "a bad row is
// rejected with a reason and kept for the report; it never aborts the rest").
//
// Runs on millions of rows: the mapping is validated once (mapping.ts) and compiled here into one
// closure per field; no zod, no regex compilation and no allocation beyond the record per row.
//
// Record shape (`record.fields`): every target field of the mapping (null when empty or when its
// column is absent), plus
//   - for a `name` field `x`: `x_norm` (normaliseName: simplified, no spaces/separators);
//   - for the `id_number` field: `id_number` (valid 18-char ID or null), `id_status` ('VALID' or
//     the IdRejectReason), `id_raw_norm` (the normalised cell text, for the import report — never
//     log it), `id_birth_date` / `id_gender` (from the ID when derivable, also from a bad check
//     digit whose date part is real: fallback matching uses them).
//
// An unusable ID is NOT a row reject unless the mapping says `required: true` (the register): a
// feed row without a usable ID goes on to fallback matching by name + birth date (domain §3.5).
//
// Privacy: a reject's `value` is masked for id_number and name columns (maskIdNumber /
// maskName) and cut to 50 characters otherwise; messages never carry those values.

import {
  maskIdNumber,
  maskName,
  normaliseIdText,
  normaliseName,
  parseAmount,
  parseDate,
  parseIdNumber,
  parseInteger,
  parseYearMonth,
  type IdRejectReason,
} from '@ew/core';
import { z } from 'zod';
import type { CodeValue, DeriveRule, FeedMapping, FieldMapping } from './mapping.ts';
import type { ResolvedHeaders } from './headers.ts';
import type { SourceRow } from './table.ts';
import { collapseWhitespace, normaliseCode, truncate } from './text.ts';

export type FieldValue = string | number | boolean | null;
export type IdStatus = 'VALID' | IdRejectReason;

export interface MappedRecord {
  readonly rowNo: number;
  readonly fields: Record<string, FieldValue>;
}

/**
 * Stable reject reasons (the import report groups by them; never rename):
 * - `COLUMN_COUNT`        the row has a different number of cells than the header (not salvaged)
 * - `REQUIRED_MISSING`    a required field's cell is empty
 * - `UNKNOWN_CODE`        a coded cell holds a word the mapping does not know (never defaulted)
 * - `BAD_DATE`            not a date (or not a real one)
 * - `BAD_YEAR_MONTH`      a year-month column (结算年月) that is not one, or names no real month
 * - `BAD_AMOUNT`          not an amount, or one of 10 billion CNY or more (the columns are
 *                         numeric(12,2): MAX_AMOUNT)
 * - `NEGATIVE_AMOUNT`, `BAD_INTEGER`, `NEGATIVE_INTEGER`
 * - `NUMERIC_DIGITS_LOST` XLSX: a text/code cell held a number with more than 15 digits (Excel
 *                         keeps 15 significant digits; a household number like that is damaged)
 * - `ID_NUMERIC_CELL`     XLSX: the ID cell is a number (digits lost)            ┐ only when the
 * - `ID_SCIENTIFIC_NOTATION`, `ID_BAD_LENGTH`, `ID_BAD_CHARACTERS`,              │ mapping marks
 *   `ID_BAD_CHECK_DIGIT`, `ID_BAD_BIRTH_DATE`                                    ┘ id_number required
 */
export const ROW_REJECT_REASONS = [
  'COLUMN_COUNT',
  'REQUIRED_MISSING',
  'UNKNOWN_CODE',
  'BAD_DATE',
  'BAD_YEAR_MONTH',
  'BAD_AMOUNT',
  'NEGATIVE_AMOUNT',
  'BAD_INTEGER',
  'NEGATIVE_INTEGER',
  'NUMERIC_DIGITS_LOST',
  'ID_NUMERIC_CELL',
  'ID_SCIENTIFIC_NOTATION',
  'ID_BAD_LENGTH',
  'ID_BAD_CHARACTERS',
  'ID_BAD_CHECK_DIGIT',
  'ID_BAD_BIRTH_DATE',
] as const;
export type RowRejectReason = (typeof ROW_REJECT_REASONS)[number];

export interface RowReject {
  readonly rowNo: number;
  /** The source header ('' for COLUMN_COUNT). */
  readonly column: string;
  /** The target field ('' for COLUMN_COUNT). */
  readonly field: string;
  /** Masked (ID, name) or truncated cell value. */
  readonly value: string;
  readonly reason: RowRejectReason;
  readonly message: string;
}

/** Non-fatal notes on an accepted row. */
export interface RowWarning {
  readonly rowNo: number;
  readonly column: string;
  readonly field: string;
  readonly reason: 'ID_UNKNOWN_REGION';
  readonly message: string;
}

export type MapRowResult =
  { ok: true; record: MappedRecord; warnings?: RowWarning[] } | { ok: false; rejects: RowReject[] };

export type RowMapper = (row: SourceRow) => MapRowResult;

const ID_STATUSES = [
  'VALID',
  'EMPTY',
  'SCIENTIFIC_NOTATION',
  'BAD_LENGTH',
  'BAD_CHARACTERS',
  'BAD_CHECK_DIGIT',
  'BAD_BIRTH_DATE',
] as const satisfies readonly IdStatus[];

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/**
 * The part of `record.fields` common to the person feeds (and the register), for code that reads
 * staged records back (e.g. from a jsonb column). Not used per row here.
 */
export const mappedPersonFieldsSchema = z.looseObject({
  id_number: z.string().length(18).nullable(),
  id_status: z.enum(ID_STATUSES),
  id_raw_norm: z.string().nullable(),
  id_birth_date: isoDate.nullable(),
  id_gender: z.enum(['M', 'F']).nullable(),
  name: z.string().nullable(),
  name_norm: z.string().nullable(),
});
export type MappedPersonFields = z.infer<typeof mappedPersonFieldsSchema>;

/** Mutable per-row state shared by the field steps. */
interface RowState {
  row: SourceRow;
  fields: Record<string, FieldValue>;
  rejects: RowReject[] | undefined;
  warnings: RowWarning[] | undefined;
}

type Step = (cell: string | undefined, state: RowState) => void;

function addReject(state: RowState, r: Omit<RowReject, 'rowNo'>): void {
  const reject: RowReject = { rowNo: state.row.rowNo, ...r };
  if (state.rejects === undefined) state.rejects = [reject];
  else state.rejects.push(reject);
}

/** More than 15 significant digits, or an exponent: a number Excel could not hold exactly. */
function numericDigitsLost(text: string): boolean {
  if (/e/i.test(text)) return true;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  return digits > 15;
}

const ID_REASON: Record<Exclude<IdRejectReason, 'EMPTY'>, RowRejectReason> = {
  SCIENTIFIC_NOTATION: 'ID_SCIENTIFIC_NOTATION',
  BAD_LENGTH: 'ID_BAD_LENGTH',
  BAD_CHARACTERS: 'ID_BAD_CHARACTERS',
  BAD_CHECK_DIGIT: 'ID_BAD_CHECK_DIGIT',
  BAD_BIRTH_DATE: 'ID_BAD_BIRTH_DATE',
};

const ID_MESSAGE: Record<Exclude<IdRejectReason, 'EMPTY'>, string> = {
  SCIENTIFIC_NOTATION:
    'the ID number went through a number (scientific notation): its digits are lost; format the column as text and re-export',
  BAD_LENGTH: 'the ID number has neither 18 nor 15 characters',
  BAD_CHARACTERS: 'the ID number has characters other than digits and a final X',
  BAD_CHECK_DIGIT: 'the ID number fails its check digit (a typo)',
  BAD_BIRTH_DATE: 'the ID number does not contain a real birth date',
};

interface Column {
  readonly field: string;
  readonly header: string;
  readonly index: number; // -1 when the column is absent
}

function textStep(col: Column, f: FieldMapping): Step {
  const { field, header } = col;
  return (cell, state) => {
    const v = cell === undefined ? '' : collapseWhitespace(cell);
    if (v === '') {
      state.fields[field] = null;
      if (f.required) missing(state, col);
      return;
    }
    if (state.row.numericCells?.has(col.index) === true && numericDigitsLost(v)) {
      state.fields[field] = null;
      addReject(state, {
        column: header,
        field,
        value: truncate(v),
        reason: 'NUMERIC_DIGITS_LOST',
        message: `column "${header}" holds a number with more than 15 digits: Excel has lost its last digits; format the column as text and re-export`,
      });
      return;
    }
    state.fields[field] = v;
  };
}

function missing(state: RowState, col: Column, value = ''): void {
  addReject(state, {
    column: col.header,
    field: col.field,
    value,
    reason: 'REQUIRED_MISSING',
    message:
      col.index < 0
        ? `required field ${col.field} has no column`
        : `required column "${col.header}" is empty`,
  });
}

function nameStep(col: Column, f: FieldMapping): Step {
  const { field } = col;
  const normKey = `${field}_norm`;
  return (cell, state) => {
    const raw = cell === undefined ? '' : cell.trim();
    const norm = raw === '' ? '' : normaliseName(raw);
    if (norm === '') {
      state.fields[field] = raw === '' ? null : raw;
      state.fields[normKey] = null;
      if (f.required) missing(state, col, maskName(raw)); // empty, or only separators (`·`, `-`)
      return;
    }
    state.fields[field] = raw;
    state.fields[normKey] = norm;
  };
}

/** The cell's field is null and the row rejected: `column "<header>": "<value>" <why>`. */
function rejectCell(
  state: RowState,
  col: Column,
  cell: string | undefined,
  reason: RowRejectReason,
  why: string,
): void {
  state.fields[col.field] = null;
  addReject(state, {
    column: col.header,
    field: col.field,
    value: truncate(cell ?? ''),
    reason,
    message: `column "${col.header}": "${truncate(cell ?? '', 30)}" ${why}`,
  });
}

function dateStep(col: Column, f: FieldMapping): Step {
  const { field } = col;
  return (cell, state) => {
    const r = parseDate(cell ?? '');
    if (!r.ok) {
      rejectCell(state, col, cell, 'BAD_DATE', 'is not a date');
      return;
    }
    state.fields[field] = r.date;
    if (r.date === null && f.required) missing(state, col);
  };
}

/** A year-month (结算年月, 统计年月) → the first of that month. */
function yearMonthStep(col: Column, f: FieldMapping): Step {
  const { field, header } = col;
  return (cell, state) => {
    const r = parseYearMonth(cell ?? '');
    if (!r.ok) {
      state.fields[field] = null;
      addReject(state, {
        column: header,
        field,
        value: truncate(cell ?? ''),
        reason: 'BAD_YEAR_MONTH',
        message: `row ${state.row.rowNo}, column "${header}": ${truncate(r.detail, 80)}`,
      });
      return;
    }
    state.fields[field] = r.date;
    if (r.date === null && f.required) missing(state, col);
  };
}

/** The largest amount a numeric(12,2) column holds (households.monthly_income, tasks.aid_amount). */
export const MAX_AMOUNT = 9_999_999_999.99;

function numberStep(col: Column, f: FieldMapping, kind: 'amount' | 'integer'): Step {
  const { field } = col;
  const parse = kind === 'amount' ? parseAmount : parseInteger;
  return (cell, state) => {
    const r = parse(cell ?? '');
    if (r.ok && kind === 'amount' && r.value !== null && r.value > MAX_AMOUNT) {
      rejectCell(state, col, cell, 'BAD_AMOUNT', 'is above the largest amount accepted (9,999,999,999.99)');
      return;
    }
    if (!r.ok) {
      const negative = r.reason === 'NEGATIVE';
      const reason: RowRejectReason =
        kind === 'amount'
          ? negative
            ? 'NEGATIVE_AMOUNT'
            : 'BAD_AMOUNT'
          : negative
            ? 'NEGATIVE_INTEGER'
            : 'BAD_INTEGER';
      const why = negative ? 'negative' : kind === 'amount' ? 'not an amount' : 'not a whole number';
      rejectCell(state, col, cell, reason, `is ${why}`);
      return;
    }
    state.fields[field] = r.value;
    if (r.value === null && f.required) missing(state, col);
  };
}

function codeStep(col: Column, f: FieldMapping): Step {
  const { field, header } = col;
  const values = new Map<string, CodeValue>(Object.entries(f.values ?? {}));
  const allowed = [...values.keys()].join(', ');
  return (cell, state) => {
    const trimmed = cell === undefined ? '' : cell.trim();
    if (trimmed === '') {
      state.fields[field] = null;
      if (f.required) missing(state, col);
      return;
    }
    // Keys are NFKC-normalised; a trimmed cell equal to a key is already in that form.
    let v = values.get(trimmed);
    if (v === undefined) {
      const norm = normaliseCode(trimmed);
      if (norm === '') {
        // only invisible characters
        state.fields[field] = null;
        if (f.required) missing(state, col);
        return;
      }
      v = values.get(norm);
    }
    if (v === undefined) {
      state.fields[field] = null;
      addReject(state, {
        column: header,
        field,
        value: truncate(trimmed),
        reason: 'UNKNOWN_CODE',
        message: `column "${header}": "${truncate(trimmed, 30)}" is not a known value (allowed: ${allowed})`,
      });
      return;
    }
    state.fields[field] = v;
  };
}

/** The id_number step; runs after the others so the row's own birth date is known. */
function idStep(col: Column, f: FieldMapping, birthDateField: string | undefined): Step {
  const { field, header } = col;
  const setFailed = (
    state: RowState,
    status: IdRejectReason,
    rawNorm: string | null,
    birth?: string,
    gender?: string,
  ): void => {
    const fields = state.fields;
    fields[field] = null;
    fields['id_status'] = status;
    fields['id_raw_norm'] = rawNorm;
    fields['id_birth_date'] = birth ?? null;
    fields['id_gender'] = gender ?? null;
  };
  return (cell, state) => {
    const raw = cell ?? '';
    // XLSX number cell: only an exact 15-digit integer (an old ID; a double holds it) is trusted.
    if (state.row.numericCells?.has(col.index) === true && !/^\d{15}$/.test(raw)) {
      setFailed(state, 'SCIENTIFIC_NOTATION', raw === '' ? null : raw);
      if (f.required) {
        addReject(state, {
          column: header,
          field,
          value: maskIdNumber(raw),
          reason: 'ID_NUMERIC_CELL',
          message: `column "${header}": the ID cell is a number in the workbook, its digits are lost; format the column as text and re-export`,
        });
      }
      return;
    }
    const birth = birthDateField === undefined ? null : state.fields[birthDateField];
    const r = parseIdNumber(raw, typeof birth === 'string' ? { birthDate: birth } : undefined);
    if (r.ok) {
      const fields = state.fields;
      fields[field] = r.id;
      fields['id_status'] = 'VALID';
      fields['id_raw_norm'] = normaliseIdText(raw);
      fields['id_birth_date'] = r.birthDate;
      fields['id_gender'] = r.gender;
      if (r.warnings.length > 0) {
        const w: RowWarning = {
          rowNo: state.row.rowNo,
          column: header,
          field,
          reason: 'ID_UNKNOWN_REGION',
          message: `column "${header}": the ID number's region code is unknown (kept: codes are retired, numbers stay valid)`,
        };
        if (state.warnings === undefined) state.warnings = [w];
        else state.warnings.push(w);
      }
      return;
    }
    setFailed(state, r.reason, r.normalised === '' ? null : r.normalised, r.birthDate, r.gender);
    if (!f.required) return;
    if (r.reason === 'EMPTY') {
      missing(state, col);
      return;
    }
    addReject(state, {
      column: header,
      field,
      value: maskIdNumber(r.normalised),
      reason: ID_REASON[r.reason],
      message: `column "${header}": ${ID_MESSAGE[r.reason]}`,
    });
  };
}

/** A field whose own column is absent, filled from another column by its `derive` rule. */
function deriveStep(col: Column, rule: DeriveRule): Step {
  switch (rule.rule) {
    case 'present':
      return (cell, state) => {
        state.fields[col.field] = cell !== undefined && normaliseCode(cell) !== '';
      };
    case 'date':
      return dateStep(col, { source: [col.header], parser: 'date', required: false });
    case 'values':
      return codeStep(col, {
        source: [col.header],
        parser: 'code',
        required: false,
        values: rule.values ?? {},
      });
  }
}

function makeStep(col: Column, f: FieldMapping, birthDateField: string | undefined): Step {
  switch (f.parser) {
    case 'text':
      return textStep(col, f);
    case 'name':
      return nameStep(col, f);
    case 'id_number':
      return idStep(col, f, birthDateField);
    case 'date':
      return dateStep(col, f);
    case 'year_month':
      return yearMonthStep(col, f);
    case 'amount':
      return numberStep(col, f, 'amount');
    case 'integer':
      return numberStep(col, f, 'integer');
    case 'code':
      return codeStep(col, f);
  }
}

/**
 * Compile `mapping` against a resolved header row into a row mapper. `resolved` must come from
 * `resolveHeaders(mapping, …)`.
 */
export function createRowMapper(mapping: FeedMapping, resolved: ResolvedHeaders): RowMapper {
  if (resolved.feed !== mapping.feed) {
    throw new Error(`resolved headers are for feed ${resolved.feed}, not ${mapping.feed}`);
  }
  const width = resolved.headers.length;
  // the row's own birth date (first date field named birth_date) picks the century of a 15-digit ID
  const birthDateField = mapping.fields['birth_date']?.parser === 'date' ? 'birth_date' : undefined;
  const plan: { index: number; step: Step }[] = [];
  let idPlan: { index: number; step: Step } | undefined;
  for (const [field, f] of Object.entries(mapping.fields)) {
    const c = resolved.columns[field];
    const col: Column = { field, header: c?.header ?? f.source[0] ?? field, index: c?.index ?? -1 };
    const step =
      c?.derived === true && f.derive !== undefined
        ? deriveStep(col, f.derive)
        : makeStep(col, f, birthDateField);
    const entry = { index: col.index, step };
    if (f.parser === 'id_number') idPlan = entry;
    else plan.push(entry);
  }
  if (idPlan !== undefined) plan.push(idPlan);
  // Every record gets the same keys in the same order (one hidden class; spread-cloned below).
  const template: Record<string, FieldValue> = {};
  for (const [field, f] of Object.entries(mapping.fields)) {
    template[field] = null;
    if (f.parser === 'name') template[`${field}_norm`] = null;
    if (f.parser === 'id_number') {
      template['id_status'] = 'EMPTY';
      for (const k of ['id_raw_norm', 'id_birth_date', 'id_gender']) template[k] = null;
    }
  }
  const steps = plan.map((p) => p.step);
  const indexes = plan.map((p) => p.index);
  const n = steps.length;

  return (row: SourceRow): MapRowResult => {
    const cells = row.cells;
    if (cells.length !== width) {
      return {
        ok: false,
        rejects: [
          {
            rowNo: row.rowNo,
            column: '',
            field: '',
            value: `${cells.length} cells`,
            reason: 'COLUMN_COUNT',
            message: `row ${row.rowNo} has ${cells.length} cells but the header has ${width}`,
          },
        ],
      };
    }
    const state: RowState = { row, fields: { ...template }, rejects: undefined, warnings: undefined };
    for (let i = 0; i < n; i++) {
      const idx = indexes[i] ?? -1;
      (steps[i] as Step)(idx < 0 ? undefined : cells[idx], state);
    }
    if (state.rejects !== undefined) return { ok: false, rejects: state.rejects };
    const record: MappedRecord = { rowNo: row.rowNo, fields: state.fields };
    return state.warnings === undefined
      ? { ok: true, record }
      : { ok: true, record, warnings: state.warnings };
  };
}
