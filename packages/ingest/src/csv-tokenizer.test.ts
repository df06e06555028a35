// The tokenizer must split exactly as csv-parse did with the reader's former options: compared on
// random CSV-ish input (quotes, doubled quotes, stray quotes, quoted line breaks, CRLF, lone CR,
// blank lines, ragged rows, Chinese text, BOMs, small record size limits), cut into random chunks.

import { describe, expect, it } from 'vitest';
import { CsvTokenizer } from './csv-tokenizer.ts';
import {
  csvParseReference as reference,
  type CsvOutcome as Outcome,
  pick,
  prng,
  randomCsv,
} from './ingest.fixture.ts';

/** What the tokenizer makes of `bytes` fed in chunks of the given sizes (the last one repeats). */
function tokenize(bytes: Buffer, maxRecordBytes: number, chunkSizes: readonly number[]): Outcome {
  const t = new CsvTokenizer({ maxRecordBytes });
  const records: string[][] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, chunkSizes[Math.min(i, chunkSizes.length - 1)] ?? bytes.length);
    records.push(...t.write(bytes.subarray(at, at + size)));
    at += size;
  }
  records.push(...t.end());
  return { records, error: t.error?.code };
}

function chunkings(rnd: (n: number) => number, length: number): number[][] {
  return [[length], [1], [1 + rnd(8)], Array.from({ length: 20 }, () => 1 + rnd(Math.max(1, length)))];
}

describe('CsvTokenizer', () => {
  it('splits random CSV-ish input exactly as csv-parse does, however it is chunked', () => {
    const rnd = prng(20240601);
    let errors = 0;
    for (let i = 0; i < 4000; i++) {
      const bytes = randomCsv(rnd);
      const max = pick(rnd, [0, 1024 * 1024, 1 + rnd(40)]);
      const expected = reference(bytes, max);
      if (expected.error !== undefined) errors++;
      for (const sizes of chunkings(rnd, bytes.length)) {
        const actual = tokenize(bytes, max, sizes);
        expect({ input: bytes.toString('utf8'), max, sizes, ...actual }).toEqual({
          input: bytes.toString('utf8'),
          max,
          sizes,
          ...expected,
        });
      }
    }
    expect(errors).toBeGreaterThan(200); // both error kinds are exercised, not only clean input
  });

  it.each([
    ['blank lines', '\n\r\n\n'],
    ['a lone CR at the end', 'a,b\r'],
    ['CR CR LF', 'a\r\r\nb'],
    ['stray quotes', 'a,b\n张"小明",x\n"q""q",y\n'],
    ['a quoted line break', '1,"multi\r\nline"\r\n2,x'],
    ['text after a closing quote', '"ab"c,"x"""y\n'],
    ['a quote closed by a NUL byte', '"ab"\0c,d\n'],
    ['an empty quoted cell at the end', 'a,""'],
    ['a double BOM', '\uFEFF\uFEFFa,b\n'],
    ['an unclosed quote', 'a,b\n1,"open\n2,3\n'],
  ])('handles %s like csv-parse', (_name, input) => {
    const bytes = Buffer.from(input, 'utf8');
    for (const max of [0, 4, 1024]) {
      for (const sizes of [[bytes.length], [1], [2], [3]]) {
        expect(tokenize(bytes, max, sizes)).toEqual(reference(bytes, max));
      }
    }
  });

  it('reads lines longer than its pending buffer, with and without quotes', () => {
    const long = 'x'.repeat(200_000);
    for (const input of [
      `a,b\n1,${long}\n2,3\n`,
      `a,b\n1,"${long}\n${long}"\n2,3\n`,
      `a,b\n1,${long}某"${long}"\n2,3`,
      `${','.repeat(100_000)}\n`,
    ]) {
      const bytes = Buffer.from(input, 'utf8');
      for (const max of [0, 1024 * 1024, 150_000]) {
        const expected = reference(bytes, max);
        for (const sizes of [[bytes.length], [1000], [65_536], [7, 100_000]]) {
          expect(tokenize(bytes, max, sizes)).toEqual(expected);
        }
      }
    }
  });

  it('returns nothing after an error', () => {
    const t = new CsvTokenizer({ maxRecordBytes: 10 });
    expect(t.write(Buffer.from('a,b\n12345678901234567890\nc,d\n'))).toEqual([['a', 'b']]);
    expect(t.error?.code).toBe('MAX_RECORD_SIZE');
    expect(t.write(Buffer.from('e,f\n'))).toEqual([]);
    expect(t.end()).toEqual([]);
  });

  it('refuses an invalid record size limit', () => {
    expect(() => new CsvTokenizer({ maxRecordBytes: -1 })).toThrow(RangeError);
    expect(() => new CsvTokenizer({ maxRecordBytes: 1.5 })).toThrow(RangeError);
  });
});
