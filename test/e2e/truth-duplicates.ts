// Which truth rows are duplicates. The generator marks the rows it copied (`duplicateOf`), but
// it also, rarely, writes the same fact twice by chance (the same person drawn twice with the same
// values — housing has few values to draw). After normalisation those rows are identical, and a
// duplicate is a duplicate however it came about (domain §2.3 "Duplicate rows"), so they count as
// duplicates of the first such row.
//
// A row's normalised content, from the truth alone: the written ID when usable (else the true
// person, with the row's birth date and gender — from the ID's date part for a bad check digit),
// and the row's clean values. Rows whose written name or ID is random noise (homophone, one
// character off, a valid ID of nobody) are never counted as chance duplicates.
import type { TruthLine } from '../generator/truth.ts';

const RANDOM_NOISE = new Set(['name:homophone', 'name:one_char', 'name:oneChar', 'id:nobody']);
const NO_ID = new Set(['id:missing', 'id:scientific', 'id:excel_numeric']);

function contentKey(l: TruthLine): string | null {
  if (l.rejectReason !== null || l.noise.some((n) => RANDOM_NOISE.has(n))) return null;
  const { birth_date: birth = null, gender = null, ...rest } = l.values;
  if (l.noise.includes('id:badCheck')) {
    const id = l.personId ?? '';
    const idBirth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
    const idGender = Number(id.charAt(16)) % 2 === 1 ? 'M' : 'F';
    return JSON.stringify(['bad-check', l.personId, birth ?? idBirth, gender ?? idGender, rest]);
  }
  if (l.noise.some((n) => NO_ID.has(n))) return JSON.stringify(['no-id', l.personId, birth, gender, rest]);
  const written = l.expected === 'conflict' ? (l.conflictWith ?? null) : l.personId;
  return JSON.stringify(['id', written, l.personId, rest]);
}

/** Row → the first row it duplicates (planted copies and chance duplicates), accepted rows only. */
export function duplicatesOf(truth: readonly TruthLine[]): Map<number, number> {
  const dup = new Map<number, number>();
  const first = new Map<string, number>();
  for (const l of truth) {
    if (l.rejectReason !== null) continue;
    if (l.duplicateOf !== null) {
      dup.set(l.row, dup.get(l.duplicateOf) ?? l.duplicateOf);
      continue;
    }
    const key = contentKey(l);
    if (key === null) continue;
    const seen = first.get(key);
    if (seen === undefined) first.set(key, l.row);
    else dup.set(l.row, seen);
  }
  return dup;
}
