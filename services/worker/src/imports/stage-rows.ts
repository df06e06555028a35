// Turns mapped records into staged_rows lines (COPY) and rejects into import_rejects lines.
import { copyLine, type CopyValue } from '@ew/db';
import type { FeedMapping, MappedRecord, RowReject } from '@ew/ingest';

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

/** One staged row as a COPY text line (row_hash is computed by Postgres). */
export type StagedLineBuilder = (record: MappedRecord) => string;

export function createStagedLineBuilder(importId: number, mapping: FeedMapping): StagedLineBuilder {
  const payloadFields = Object.keys(mapping.fields).filter((f) => !COMMON_FIELDS.has(f));
  return (record) => {
    const f = record.fields;
    const idNumber = (f['id_number'] ?? null) as string | null;
    const idStatus = (f['id_status'] ?? 'EMPTY') as string;
    const nameNorm = (f['name_norm'] ?? null) as string | null;
    // a valid ID decides birth date and gender; otherwise the row's own columns, else the ID's
    // date part where it is a real date (fallback matching needs one)
    const birthDate = (idNumber ? f['id_birth_date'] : (f['birth_date'] ?? f['id_birth_date'])) ?? null;
    const gender = (idNumber ? f['id_gender'] : (f['gender'] ?? f['id_gender'])) ?? null;
    const town = f['town'] ?? null;
    const payload: Record<string, unknown> = {};
    for (const field of payloadFields) payload[field] = f[field] ?? null;
    const rowKey = idNumber ?? `~${nameNorm ?? ''}|${String(birthDate ?? '')}`;
    return copyLine([
      importId,
      record.rowNo,
      idNumber,
      idStatus,
      f['name'] ?? null,
      nameNorm,
      birthDate,
      gender,
      town,
      rowKey,
      payload,
    ]);
  };
}

export function rejectLines(importId: number, rejects: readonly RowReject[]): CopyValue[][] {
  return rejects.map((r) => [importId, r.rowNo, r.field, r.column || null, r.reason, r.value, r.message]);
}
