// Column mappings: versioned config files (infra/feeds/<feed>.yaml), not code (domain §2.2).
//
//   feed: hr
//   version: 1
//   description: …
//   fields:
//     <target>: { source: [header aliases…],
//                 parser: text|name|id_number|date|year_month|amount|integer|code,
//                 required?: bool, values?: { departmentWord: canonicalValue },
//                 derive?: { from: [header aliases…], rule: present|values|date, values?: {…} } }
//
// `derive` says how to fill the field when its own column is absent but another one is present
// (the import report then says the field was derived): `present` → true when that column's cell
// is not empty, else false (refused_before from 未通过日期); `values` → the cell through a value
// list (unknown words are rejects, as for code fields); `date` → the cell read as a date.
//
// Validated once at load (zod + cross-field checks); the row mapper then trusts the shape and
// runs without per-row validation. A bad file is refused with a MappingError naming the key.

import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { MappingError } from './errors.ts';
import { headerKey, normaliseCode } from './text.ts';

export const PARSER_KINDS = [
  'text',
  'name',
  'id_number',
  'date',
  'year_month',
  'amount',
  'integer',
  'code',
] as const;
export type ParserKind = (typeof PARSER_KINDS)[number];

export type CodeValue = string | boolean;

export interface FieldMapping {
  /** Header aliases, in the order written (as in the file, not normalised). */
  readonly source: readonly string[];
  readonly parser: ParserKind;
  readonly required: boolean;
  /** Only for `code`: department word (NFKC-normalised, trimmed) → canonical value. */
  readonly values?: Readonly<Record<string, CodeValue>>;
  /** How to fill the field from another column when its own is absent. */
  readonly derive?: DeriveRule;
}

export const DERIVE_RULES = ['present', 'values', 'date'] as const;

export interface DeriveRule {
  /** Header aliases of the column the value comes from. */
  readonly from: readonly string[];
  readonly rule: (typeof DERIVE_RULES)[number];
  /** Only for rule `values`: department word (normalised) → canonical value. */
  readonly values?: Readonly<Record<string, CodeValue>>;
}

export interface FeedMapping {
  readonly feed: string;
  readonly version: number;
  readonly description?: string;
  /** Target field → mapping, in file order. */
  readonly fields: Readonly<Record<string, FieldMapping>>;
  /** Where it was loaded from, for messages. */
  readonly path?: string;
}

/**
 * Record keys the row mapper adds itself; a mapping may not define fields with these names.
 * The `id_number` parser is only allowed on a field named `id_number` (one per mapping), and a
 * `name` field `x` also produces `x_norm`.
 */
export const DERIVED_ID_FIELDS = ['id_status', 'id_raw_norm', 'id_birth_date', 'id_gender'] as const;

const identifier = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be lower_snake_case (a-z, 0-9, _)');

const fieldSchema = z.strictObject({
  source: z
    .array(z.string().trim().min(1, 'an alias may not be empty'))
    .min(1, 'needs at least one header alias'),
  parser: z.enum(PARSER_KINDS),
  required: z.boolean().optional(),
  values: z.record(z.string(), z.union([z.string().min(1), z.boolean()])).optional(),
  derive: z
    .strictObject({
      from: z.array(z.string().trim().min(1, 'an alias may not be empty')).min(1, 'needs a column'),
      rule: z.enum(DERIVE_RULES),
      values: z.record(z.string(), z.union([z.string().min(1), z.boolean()])).optional(),
    })
    .optional(),
});

/** The shape of a mapping file, as written. */
export const feedMappingFileSchema = z.strictObject({
  feed: identifier,
  version: z.number().int().positive(),
  description: z.string().optional(),
  fields: z
    .record(identifier, fieldSchema)
    .refine((f) => Object.keys(f).length > 0, 'needs at least one field'),
});

export type FeedMappingFile = z.infer<typeof feedMappingFileSchema>;

/** Validate a parsed mapping document (already YAML-parsed) and return the normalised mapping. */
export function parseMapping(doc: unknown, path = '<mapping>'): FeedMapping {
  const result = feedMappingFileSchema.safeParse(doc);
  if (!result.success) {
    const issues = result.error.issues;
    const first = issues[0];
    const key = first === undefined ? undefined : first.path.map(String).join('.');
    const text = issues
      .slice(0, 5)
      .map((i) => `${i.path.length > 0 ? `${i.path.map(String).join('.')}: ` : ''}${i.message}`)
      .join('; ');
    throw new MappingError(path, key, text);
  }
  const file = result.data;
  const fields: Record<string, FieldMapping> = {};
  const aliasOwner = new Map<string, string>(); // header key → field
  const reserved = new Set<string>(DERIVED_ID_FIELDS);

  for (const [name, f] of Object.entries(file.fields)) {
    const key = `fields.${name}`;
    if (reserved.has(name)) {
      throw new MappingError(
        path,
        key,
        `"${name}" is reserved: the row mapper derives it (from id_number or a name field)`,
      );
    }
    if (f.parser === 'id_number' && name !== 'id_number') {
      throw new MappingError(
        path,
        `${key}.parser`,
        'the id_number parser is only allowed on the field named id_number',
      );
    }
    if (f.parser === 'name') reserved.add(`${name}_norm`);
    if (f.parser === 'code' && (f.values === undefined || Object.keys(f.values).length === 0)) {
      throw new MappingError(
        path,
        `${key}.values`,
        'a code field needs values (department word → canonical value)',
      );
    }
    if (f.parser !== 'code' && f.values !== undefined) {
      throw new MappingError(
        path,
        `${key}.values`,
        `values are only allowed with parser code (this field is ${f.parser})`,
      );
    }
    for (const alias of f.source) {
      const k = headerKey(alias);
      const owner = aliasOwner.get(k);
      if (owner !== undefined) {
        throw new MappingError(
          path,
          `${key}.source`,
          owner === name
            ? `alias "${alias}" is listed twice`
            : `alias "${alias}" is also an alias of field ${owner}: a column must map to one field`,
        );
      }
      aliasOwner.set(k, name);
    }
    const values = f.values === undefined ? undefined : codeValues(path, `${key}.values`, f.values);
    let derive: DeriveRule | undefined;
    if (f.derive !== undefined) {
      const d = f.derive;
      if ((d.rule === 'values') !== (d.values !== undefined)) {
        throw new MappingError(
          path,
          `${key}.derive.values`,
          'derive.values goes with rule values, and only with it',
        );
      }
      if (d.from.some((alias) => f.source.some((own) => headerKey(own) === headerKey(alias)))) {
        throw new MappingError(path, `${key}.derive.from`, 'derive.from names a column of the field itself');
      }
      derive = {
        from: d.from,
        rule: d.rule,
        ...(d.values === undefined ? {} : { values: codeValues(path, `${key}.derive.values`, d.values) }),
      };
    }
    fields[name] = {
      source: f.source,
      parser: f.parser,
      required: f.required ?? false,
      ...(values === undefined ? {} : { values }),
      ...(derive === undefined ? {} : { derive }),
    };
  }
  // A `x_norm` produced by a name field must not shadow a mapped field.
  for (const name of Object.keys(fields)) {
    if (reserved.has(name)) {
      throw new MappingError(
        path,
        `fields.${name}`,
        `"${name}" collides with a derived field of the same name`,
      );
    }
  }
  return {
    feed: file.feed,
    version: file.version,
    ...(file.description === undefined ? {} : { description: file.description }),
    fields,
    path,
  };
}

/** Department words normalised as the row mapper looks them up; empty or doubled words refused. */
function codeValues(
  path: string,
  key: string,
  written: Record<string, CodeValue>,
): Record<string, CodeValue> {
  const values: Record<string, CodeValue> = {};
  for (const [word, canonical] of Object.entries(written)) {
    const w = normaliseCode(word);
    if (w === '') throw new MappingError(path, key, 'a department word may not be empty');
    if (Object.hasOwn(values, w)) {
      throw new MappingError(path, `${key}.${word}`, `"${word}" is listed twice (after normalisation)`);
    }
    values[w] = canonical;
  }
  return values;
}

/** Parse mapping YAML text. */
export function parseMappingYaml(text: string, path = '<mapping>'): FeedMapping {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true, prettyErrors: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new MappingError(path, undefined, `not valid YAML: ${msg}`, e);
  }
  return parseMapping(doc, path);
}

export async function loadMapping(path: string): Promise<FeedMapping> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new MappingError(path, undefined, `cannot read: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  return parseMappingYaml(text, path);
}

/** Every `*.yaml` / `*.yml` mapping in `dir`, keyed by feed. Two files for one feed are refused. */
export async function loadMappings(dir: string): Promise<Map<string, FeedMapping>> {
  const names = (await readdir(dir))
    .filter((n) => ['.yaml', '.yml'].includes(extname(n).toLowerCase()))
    .sort();
  const out = new Map<string, FeedMapping>();
  for (const name of names) {
    const path = join(dir, name);
    const m = await loadMapping(path);
    const prev = out.get(m.feed);
    if (prev !== undefined) {
      throw new MappingError(path, 'feed', `feed "${m.feed}" is already defined by ${prev.path ?? '?'}`);
    }
    out.set(m.feed, m);
  }
  return out;
}
