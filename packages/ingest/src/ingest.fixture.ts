// Helpers for this package's tests only (not exported from index.ts).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idCheckDigit } from '@ew/core';
import { CsvError, parse, type Options } from 'csv-parse/sync';

/** A valid 18-digit ID from its first 17 digits. */
export function validId(first17: string): string {
  return first17 + idCheckDigit(first17);
}

/** A fresh temporary directory; `cleanup()` removes it. */
export function tempDir(prefix = 'ew-ingest-'): {
  dir: string;
  file: (name: string, data: string | Uint8Array) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file: (name, data) => {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** The error a function throws (fails the test if it returns). */
export function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an exception');
}

// Differential tests of the CSV tokenizer and reader against csv-parse.

/** The csv-parse options openCsv used before the tokenizer replaced it. */
export function csvParseOptions(maxRecordBytes: number): Options {
  return {
    cast: false,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: maxRecordBytes,
    skip_empty_lines: false,
    record_delimiter: ['\r\n', '\n'],
  };
}

export interface CsvOutcome {
  records: string[][];
  /** Code of the error that ended the input, or undefined. */
  error: string | undefined;
}

/** What csv-parse (the reader's former parser) makes of `bytes`: the records before the error too (collected by on_record). */
export function csvParseReference(bytes: Buffer, maxRecordBytes: number): CsvOutcome {
  const records: string[][] = [];
  try {
    parse(bytes, {
      ...csvParseOptions(maxRecordBytes),
      on_record: (r: string[]) => {
        records.push(r);
        return r;
      },
    });
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    const code =
      e.code === 'CSV_QUOTE_NOT_CLOSED' || e.code === 'CSV_MAX_RECORD_SIZE' ? e.code.slice(4) : e.code;
    return { records, error: code };
  }
  return { records, error: undefined };
}

/** Park–Miller PRNG: the same cases on every run. */
export function prng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 48271) % 2147483647;
    return s % n;
  };
}

export function pick<T>(rnd: (n: number) => number, items: readonly T[]): T {
  return items[rnd(items.length)] as T;
}

const TEXT = ['a', 'B', '7', '张', '小明', '王五', '𠀀', '龘', ' ', '\t', '.', '-'];
const SOUP = [...TEXT, ',', ',', '"', '"', '""', '\n', '\r\n', '\r', '\0', '\uFEFF'];

function text(rnd: (n: number) => number, max: number): string {
  let s = '';
  for (let n = rnd(max + 1); n > 0; n--) s += pick(rnd, TEXT);
  return s;
}

/** Inside quotes: text, commas, doubled quotes, line breaks. */
function quotedContent(rnd: (n: number) => number): string {
  let s = '';
  for (let n = rnd(6); n > 0; n--) s += pick(rnd, [text(rnd, 3), ',', '""', '\n', '\r\n', '\r']);
  return s;
}

function cell(rnd: (n: number) => number): string {
  switch (rnd(12)) {
    case 0:
      return `"${quotedContent(rnd)}"`;
    case 1:
      return `${text(rnd, 2)}某"${text(rnd, 2)}"${text(rnd, 1)}`; // stray quotes mid-cell
    case 2:
      return `"${quotedContent(rnd)}"${text(rnd, 2)}`; // text after the closing quote
    case 3:
      return `"${quotedContent(rnd)}`; // a quote never closed (closes later, or never)
    case 4:
      return '""';
    case 5:
      return '';
    default:
      return text(rnd, 6);
  }
}

function line(rnd: (n: number) => number): string {
  if (rnd(8) === 0) return ''; // blank line
  if (rnd(10) === 0) {
    let s = '';
    for (let n = rnd(12); n > 0; n--) s += pick(rnd, SOUP);
    return s;
  }
  const cells: string[] = [];
  for (let n = 1 + rnd(5); n > 0; n--) cells.push(rnd(3) === 0 ? cell(rnd) : text(rnd, 5));
  return cells.join(',');
}

/** Random CSV-ish bytes; mostly clean lines, like real files. */
export function randomCsv(rnd: (n: number) => number): Buffer {
  let s = pick(rnd, ['', '', '', '\uFEFF', '\uFEFF\uFEFF']);
  for (let n = rnd(12); n > 0; n--) s += line(rnd) + pick(rnd, ['\n', '\n', '\r\n', '\r\n', '\r']);
  if (rnd(2) === 0) s += line(rnd); // no line break at the end
  return Buffer.from(s, 'utf8');
}
