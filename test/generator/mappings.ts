// The departments' column layouts, read from the versioned mapping files (infra/feeds/*.yaml)
// through the ingest package's own loader: the generator writes the FIRST alias of each field as
// the header, in file order, and for coded fields one of the department words of the mapping.

import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadMapping, type FeedMapping, type ParserKind } from '@ew/ingest/mapping';
import type { Rng } from './prng.ts';

export const DEFAULT_MAPPINGS_DIR = fileURLToPath(new URL('../../infra/feeds/', import.meta.url));

export const FEED_NAMES = ['education', 'hr', 'housing', 'medical', 'rural'] as const;
export type FeedName = (typeof FEED_NAMES)[number];
export type LayoutName = FeedName | 'register';

export interface FieldLayout {
  readonly name: string;
  readonly header: string;
  readonly parser: ParserKind;
  readonly required: boolean;
  /** Coded fields: canonical value (booleans as 'true'/'false') → department words, in file order. */
  readonly words?: ReadonlyMap<string, readonly string[]>;
  /** Coded fields: every department word the mapping knows. */
  readonly known?: ReadonlySet<string>;
}

export interface FeedLayout {
  readonly feed: LayoutName;
  readonly fields: readonly FieldLayout[];
  readonly headers: readonly string[];
  field(name: string): FieldLayout | undefined;
}

export function canonKey(v: string | boolean): string {
  return typeof v === 'boolean' ? String(v) : v;
}

function toLayout(feed: LayoutName, m: FeedMapping): FeedLayout {
  const fields: FieldLayout[] = [];
  for (const [name, f] of Object.entries(m.fields)) {
    const header = f.source[0];
    if (header === undefined) throw new Error(`${feed}.${name}: no header alias`);
    let words: Map<string, string[]> | undefined;
    let known: Set<string> | undefined;
    if (f.values !== undefined) {
      words = new Map();
      known = new Set();
      for (const [word, canonical] of Object.entries(f.values)) {
        const key = canonKey(canonical);
        const list = words.get(key) ?? [];
        list.push(word);
        words.set(key, list);
        known.add(word);
      }
    }
    fields.push({
      name,
      header,
      parser: f.parser,
      required: f.required,
      ...(words === undefined ? {} : { words }),
      ...(known === undefined ? {} : { known }),
    });
  }
  const byName = new Map(fields.map((f) => [f.name, f]));
  return { feed, fields, headers: fields.map((f) => f.header), field: (n) => byName.get(n) };
}

export async function loadLayouts(dir = DEFAULT_MAPPINGS_DIR): Promise<Map<LayoutName, FeedLayout>> {
  const out = new Map<LayoutName, FeedLayout>();
  for (const feed of ['register', ...FEED_NAMES] as const) {
    const m = await loadMapping(join(dir, `${feed}.yaml`));
    if (m.feed !== feed) throw new Error(`${feed}.yaml declares feed ${m.feed}`);
    out.set(feed, toLayout(feed, m));
  }
  return out;
}

/**
 * One file's choice of department words: for every coded field a style index (the n-th synonym,
 * e.g. 是/否 vs Y/N vs 1/0), shared by fields with the same vocabulary so a file stays consistent.
 */
export class CodeStyle {
  private readonly styleOf = new Map<string, number>();

  constructor(layout: FeedLayout, rng: Rng, preferFirst = 0.5) {
    const bySignature = new Map<string, number>();
    for (const f of layout.fields) {
      if (f.words === undefined) continue;
      const signature = [...f.words.entries()].map(([k, w]) => `${k}=${w.join('|')}`).join(';');
      let style = bySignature.get(signature);
      if (style === undefined) {
        const max = Math.max(...[...f.words.values()].map((w) => w.length));
        style = max <= 1 || rng.chance(preferFirst) ? 0 : rng.range(1, max - 1);
        bySignature.set(signature, style);
      }
      this.styleOf.set(f.name, style);
    }
  }

  style(field: string): number {
    return this.styleOf.get(field) ?? 0;
  }

  /** The department word for a canonical value (the file's synonym, else the first). */
  word(field: FieldLayout, canonical: string | boolean): string {
    const list = field.words?.get(canonKey(canonical));
    if (list === undefined || list.length === 0) {
      throw new Error(`${field.name}: the mapping has no word for ${String(canonical)}`);
    }
    const i = Math.min(this.style(field.name), list.length - 1);
    return list[i] ?? list[0] ?? '';
  }
}
