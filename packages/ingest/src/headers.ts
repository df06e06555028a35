// Header row → column index per target field, through the mapping's aliases.
//
// Headers are compared after normalisation (NFKC, BOM / zero-width removed, white space removed,
// lower case): `月收入（元）`, ` 月收入(元)` and `月收入 (元)` are one column.
//
// A file is refused (HEADER_MISMATCH) when
//   - a required field's column is missing, or
//   - the mapping has optional fields and none of their columns is present, or
//   - two columns map to the same field (ambiguous: the mapping cannot say which one is meant).
// Unknown extra columns are tolerated and listed as warnings.
// If another feed's mapping fits the headers clearly better — it passes these rules and explains
// at least two more columns, and at least 1.5 times as many — the file is refused with WRONG_FEED
// naming that feed, even if it would pass this feed's rules (an ID + name file passes housing).

import { IngestError } from './errors.ts';
import type { FeedMapping } from './mapping.ts';
import { headerKey } from './text.ts';

export interface ResolvedColumn {
  readonly field: string;
  readonly index: number;
  /** The header as in the file (trimmed). */
  readonly header: string;
  /** The column is another field's source: the value is derived by the field's `derive` rule. */
  readonly derived?: boolean;
}

/**
 * A note on a file's header row for the import report (stored with the import; never a refusal):
 * - `COLUMNS_IGNORED`         columns no field maps (their data is not read)
 * - `OPTIONAL_FIELDS_ABSENT`  optional fields without a column (their values are empty)
 * - `FIELD_DERIVED`           a field whose own column is absent, derived from another column
 */
export interface FileWarning {
  readonly code: 'COLUMNS_IGNORED' | 'OPTIONAL_FIELDS_ABSENT' | 'FIELD_DERIVED';
  readonly message: string;
  /** The source columns concerned, as in the file. */
  readonly columns?: readonly string[];
  /** The target fields concerned. */
  readonly fields?: readonly string[];
}

export interface ResolvedHeaders {
  readonly feed: string;
  readonly mappingVersion: number;
  /** The file's header row, as read. */
  readonly headers: readonly string[];
  /** Target field → its column; fields whose column is absent are not here. */
  readonly columns: Readonly<Record<string, ResolvedColumn>>;
  /** Optional fields whose column is absent (their values will be null). */
  readonly missingOptional: readonly string[];
  /** Columns no field maps (ignored). */
  readonly unknown: readonly { readonly index: number; readonly header: string }[];
  /** Notes for the import report: ignored columns, absent optional fields, derived fields. */
  readonly warnings: readonly FileWarning[];
}

/** How well a header row fits one mapping (no decision, no exception). */
export interface HeaderFit {
  readonly feed: string;
  readonly columns: Record<string, ResolvedColumn>;
  readonly requiredMissing: string[];
  readonly optionalMissing: string[];
  readonly optionalFound: number;
  /** field → the several columns that map to it. */
  readonly ambiguous: Record<string, ResolvedColumn[]>;
  readonly unknown: { index: number; header: string }[];
  /** Number of fields whose column was found (once). */
  readonly matched: number;
  /** Passes the rules above (not counting WRONG_FEED). */
  readonly passes: boolean;
}

const aliasCache = new WeakMap<FeedMapping, Map<string, string>>();

function aliasIndex(mapping: FeedMapping): Map<string, string> {
  let idx = aliasCache.get(mapping);
  if (idx === undefined) {
    idx = new Map();
    for (const [field, f] of Object.entries(mapping.fields)) {
      for (const alias of f.source) idx.set(headerKey(alias), field);
    }
    aliasCache.set(mapping, idx);
  }
  return idx;
}

/** A header for messages: as in the file, without BOM / zero-width characters, trimmed. */
export function displayHeader(raw: string): string {
  return raw.replace(/[\uFEFF\u200B-\u200D\u2060]/g, '').trim();
}

const quote = (s: string): string => `"${s}"`;

/** Quoted headers for a message, at most `max` of them (a file without line breaks has thousands). */
function quoteList(headers: readonly string[], max = 20): string {
  const shown = headers.slice(0, max).map((h) => quote(h.length > 40 ? `${h.slice(0, 40)}…` : h));
  return headers.length > max ? `${shown.join(', ')} and ${headers.length - max} more` : shown.join(', ');
}

export function fitHeaders(mapping: FeedMapping, headers: readonly string[]): HeaderFit {
  const idx = aliasIndex(mapping);
  const byField = new Map<string, ResolvedColumn[]>();
  const unknown: { index: number; header: string }[] = [];
  headers.forEach((raw, index) => {
    const key = headerKey(raw);
    if (key === '') return; // an unnamed column is not "unknown": nothing to map
    const field = idx.get(key);
    const header = displayHeader(raw);
    if (field === undefined) {
      unknown.push({ index, header });
      return;
    }
    const list = byField.get(field);
    const col = { field, index, header };
    if (list === undefined) byField.set(field, [col]);
    else list.push(col);
  });
  const columns: Record<string, ResolvedColumn> = {};
  const derivedFrom = new Set<number>();
  const ambiguous: Record<string, ResolvedColumn[]> = {};
  const requiredMissing: string[] = [];
  const optionalMissing: string[] = [];
  let optionalFound = 0;
  let optionalCount = 0;
  let matched = 0;
  for (const [field, f] of Object.entries(mapping.fields)) {
    if (!f.required) optionalCount++;
    const cols = byField.get(field);
    if (cols === undefined) {
      const from = f.derive === undefined ? undefined : deriveColumn(f.derive.from, headers);
      if (from === undefined) {
        (f.required ? requiredMissing : optionalMissing).push(field);
        continue;
      }
      columns[field] = { field, ...from, derived: true };
      derivedFrom.add(from.index);
      matched++;
      if (!f.required) optionalFound++;
      continue;
    }
    if (cols.length > 1) {
      ambiguous[field] = cols;
      continue;
    }
    const col = cols[0];
    if (col === undefined) continue;
    columns[field] = col;
    matched++;
    if (!f.required) optionalFound++;
  }
  // a column read only to derive another field is not ignored
  if (derivedFrom.size > 0)
    unknown.splice(0, unknown.length, ...unknown.filter((u) => !derivedFrom.has(u.index)));
  const passes =
    requiredMissing.length === 0 &&
    Object.keys(ambiguous).length === 0 &&
    (optionalCount === 0 || optionalFound > 0);
  return {
    feed: mapping.feed,
    columns,
    requiredMissing,
    optionalMissing,
    optionalFound,
    ambiguous,
    unknown,
    matched,
    passes,
  };
}

/** The first header matching one of the aliases, as in the file. */
function deriveColumn(
  aliases: readonly string[],
  headers: readonly string[],
): { index: number; header: string } | undefined {
  const keys = new Set(aliases.map(headerKey));
  const index = headers.findIndex((h) => keys.has(headerKey(h)));
  return index < 0 ? undefined : { index, header: displayHeader(headers[index]!) };
}

function describeField(mapping: FeedMapping, field: string): string {
  const f = mapping.fields[field];
  return f === undefined ? field : `${field} (${f.source.map(quote).join(' or ')})`;
}

function describeProblems(mapping: FeedMapping, fit: HeaderFit): string[] {
  const parts: string[] = [];
  if (fit.requiredMissing.length > 0) {
    parts.push(
      `missing required column(s): ${fit.requiredMissing.map((f) => describeField(mapping, f)).join(', ')}`,
    );
  }
  for (const [field, cols] of Object.entries(fit.ambiguous)) {
    parts.push(`columns ${cols.map((c) => quote(c.header)).join(' and ')} all map to ${field}: keep one`);
  }
  if (fit.requiredMissing.length === 0 && fit.optionalFound === 0 && fit.optionalMissing.length > 0) {
    parts.push(
      `none of the optional columns is present: ${fit.optionalMissing.map((f) => describeField(mapping, f)).join(', ')}`,
    );
  }
  return parts;
}

export interface ResolveHeadersOptions {
  /** For messages. */
  file?: string;
  /** The header's row number, for messages. */
  headerRowNo?: number;
}

/**
 * Map each target field of `mapping` to its column in `headers`, or throw HEADER_MISMATCH /
 * WRONG_FEED (see the rules at the top). `allMappings` (every feed's mapping, this one included
 * or not) enables the WRONG_FEED check.
 */
export function resolveHeaders(
  mapping: FeedMapping,
  headers: readonly string[],
  allMappings?: ReadonlyMap<string, FeedMapping> | Iterable<FeedMapping>,
  options: ResolveHeadersOptions = {},
): ResolvedHeaders {
  const file = options.file ?? '<input>';
  const row = options.headerRowNo;
  const fit = fitHeaders(mapping, headers);
  const unknownList = quoteList(fit.unknown.map((u) => u.header));

  if (allMappings !== undefined) {
    const others =
      allMappings instanceof Map ? [...allMappings.values()] : [...(allMappings as Iterable<FeedMapping>)];
    let best: HeaderFit | undefined;
    for (const other of others) {
      if (other.feed === mapping.feed) continue;
      const f = fitHeaders(other, headers);
      if (!f.passes || f.matched < fit.matched + 2 || f.matched < 1.5 * fit.matched) continue;
      if (best === undefined || f.matched > best.matched) best = f;
    }
    if (best !== undefined) {
      const theirs = Object.values(best.columns)
        .sort((a, b) => a.index - b.index)
        .map((c) => quote(c.header))
        .join(', ');
      const ours = describeProblems(mapping, fit);
      throw new IngestError(
        'WRONG_FEED',
        `this looks like the ${best.feed} feed, not ${mapping.feed}: its mapping explains ${best.matched} columns (${theirs}), the ${mapping.feed} mapping ${fit.matched}` +
          (ours.length > 0 ? `; for ${mapping.feed}: ${ours.join('; ')}` : '') +
          (fit.unknown.length > 0 ? `; unknown to ${mapping.feed}: ${unknownList}` : ''),
        {
          file,
          ...(row === undefined ? {} : { row }),
          details: {
            suggestedFeed: best.feed,
            missingFields: fit.requiredMissing,
            unknownColumns: fit.unknown.slice(0, 200).map((u) => u.header),
          },
        },
      );
    }
  }

  if (!fit.passes) {
    const problems = describeProblems(mapping, fit);
    if (fit.unknown.length > 0) problems.push(`unknown column(s): ${unknownList}`);
    throw new IngestError(
      'HEADER_MISMATCH',
      `the header row does not fit the ${mapping.feed} mapping (version ${mapping.version}): ${problems.join('; ')}`,
      {
        file,
        ...(row === undefined ? {} : { row }),
        details: {
          missingFields: fit.requiredMissing,
          unknownColumns: fit.unknown.slice(0, 200).map((u) => u.header),
          ambiguousColumns: Object.values(fit.ambiguous).flatMap((cols) => cols.map((c) => c.header)),
        },
      },
    );
  }

  const warnings: FileWarning[] = [];
  if (fit.unknown.length > 0) {
    warnings.push({
      code: 'COLUMNS_IGNORED',
      message: `column(s) the ${mapping.feed} mapping does not know, ignored: ${unknownList}`,
      columns: fit.unknown.map((u) => u.header),
    });
  }
  if (fit.optionalMissing.length > 0) {
    warnings.push({
      code: 'OPTIONAL_FIELDS_ABSENT',
      message: `optional field(s) without a column, their values will be empty: ${fit.optionalMissing.map((f) => describeField(mapping, f)).join(', ')}`,
      fields: fit.optionalMissing,
    });
  }
  for (const col of Object.values(fit.columns)) {
    const rule = mapping.fields[col.field]?.derive;
    if (col.derived !== true || rule === undefined) continue;
    const how = {
      present: 'true where it is not empty, else false',
      values: 'through its value list',
      date: 'read as a date',
    }[rule.rule];
    warnings.push({
      code: 'FIELD_DERIVED',
      message: `${describeField(mapping, col.field)} has no column: derived from "${col.header}" (${how})`,
      columns: [col.header],
      fields: [col.field],
    });
  }
  return {
    feed: mapping.feed,
    mappingVersion: mapping.version,
    headers,
    columns: fit.columns,
    missingOptional: fit.optionalMissing,
    unknown: fit.unknown,
    warnings,
  };
}
