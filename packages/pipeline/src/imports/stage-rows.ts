// Turns mapped records into staged_rows lines (COPY) and rejects into import_rejects lines.
import { copyField, type CopyValue } from '@ew/db';
import type { FeedMapping, FieldValue, MappedRecord, RowReject } from '@ew/ingest';

export const STAGED_COLUMNS = [
  'import_id',
  'row_no',
  'id_number',
  'id_status',
  'name',
  'name_norm',
  'birth_date',
  'gender',
  'town',
  'row_key',
  'payload',
] as const;

export const REJECT_COLUMNS = [
  'import_id',
  'row_no',
  'field',
  'column_name',
  'reason',
  'value_masked',
  'message',
] as const;

/** Fields every person feed may carry; the rest of a mapping's fields go to `payload`. */
const COMMON_FIELDS = new Set(['id_number', 'name', 'birth_date', 'gender', 'town']);

/** One staged row as a COPY text line (row_hash is computed by Postgres: T0015). */
export type StagedLineBuilder = (record: MappedRecord) => string;

export function createStagedLineBuilder(importId: number, mapping: FeedMapping): StagedLineBuilder {
  const payloadText = createPayloadWriter(Object.keys(mapping.fields).filter((f) => !COMMON_FIELDS.has(f)));
  const importIdText = String(importId);
  // the hot path of staging (once per row): one string concatenation, no intermediate array
  return (record) => {
    const f = record.fields;
    const idNumber = (f['id_number'] ?? null) as string | null;
    const idStatus = (f['id_status'] ?? 'EMPTY') as string;
    const nameNorm = (f['name_norm'] ?? null) as string | null;
    // a valid ID decides birth date and gender; otherwise the row's own columns, else the ID's
    // date part where it is a real date (fallback matching needs one)
    const birthDate = (idNumber ? f['id_birth_date'] : (f['birth_date'] ?? f['id_birth_date'])) ?? null;
    const gender = (idNumber ? f['id_gender'] : (f['gender'] ?? f['id_gender'])) ?? null;
    const rowKey = idNumber ?? `~${nameNorm ?? ''}|${String(birthDate ?? '')}`;
    return (
      importIdText +
      '\t' +
      String(record.rowNo) +
      '\t' +
      copyField(idNumber) +
      '\t' +
      copyField(idStatus) +
      '\t' +
      copyField(f['name']) +
      '\t' +
      copyField(nameNorm) +
      '\t' +
      copyField(birthDate) +
      '\t' +
      copyField(gender) +
      '\t' +
      copyField(f['town']) +
      '\t' +
      copyField(rowKey) +
      '\t' +
      copyField(payloadText(f)) +
      '\n'
    );
  };
}

/**
 * The payload's JSON text written directly from the record's fields, in `fields` order: the same
 * text as JSON.stringify of an object of those fields (absent = null), without building the object
 * first (that object and its stringify were a third of the line builder's time: --cpu-prof).
 */
export function createPayloadWriter(
  fields: readonly string[],
): (values: Readonly<Record<string, FieldValue | undefined>>) => string {
  if (fields.length === 0) return () => '{}';
  const prefixes = fields.map((field, i) => (i === 0 ? '{' : ',') + JSON.stringify(field) + ':');
  return (values) => {
    let text = '';
    for (let i = 0; i < fields.length; i++) text += prefixes[i]! + jsonValue(values[fields[i]!]);
    return text + '}';
  };
}

/** A field value as JSON text, as JSON.stringify writes it inside an object. */
function jsonValue(value: FieldValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  return value ? 'true' : 'false';
}

export function rejectLines(importId: number, rejects: readonly RowReject[]): CopyValue[][] {
  return rejects.map((r) => [importId, r.rowNo, r.field, r.column || null, r.reason, r.value, r.message]);
}
