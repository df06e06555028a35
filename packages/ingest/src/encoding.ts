// Text encoding of a departmental CSV (domain §2.3: UTF-8, UTF-8 with BOM, GBK / GB18030 —
// "detect, never assume").
//
// Detection looks at the first SAMPLE_BYTES of the file only; the decoder then re-checks every
// byte of the rest, so a UTF-8 file with invalid bytes further down is refused
// (FILE_UNDECODABLE, naming the byte offset and line) instead of being silently mangled.

import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import iconv from 'iconv-lite';
import { IngestError } from './errors.ts';

export type TextEncoding = 'utf8' | 'utf8-bom' | 'gb18030';

/** How much of the file detection looks at. */
export const SAMPLE_BYTES = 64 * 1024;

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

function startsWith(buf: Buffer, bytes: readonly number[]): boolean {
  if (buf.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[i] !== bytes[i]) return false;
  return true;
}

/**
 * Length (0..3) of an incomplete UTF-8 sequence at the very end of `buf`: a lead byte followed by
 * fewer continuation bytes than it announces. Such a tail is held back (sample cut mid-character,
 * or a stream chunk boundary) rather than called invalid.
 */
export function incompleteUtf8Tail(buf: Uint8Array): number {
  const n = buf.length;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const b = buf[n - k] ?? 0;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    let need: number;
    if (b >= 0xc2 && b <= 0xdf) need = 2;
    else if (b >= 0xe0 && b <= 0xef) need = 3;
    else if (b >= 0xf0 && b <= 0xf4) need = 4;
    else return 0;
    return need > k ? k : 0;
  }
  return 0;
}

/**
 * Index of the first byte that is not part of a well-formed UTF-8 sequence (RFC 3629: no
 * overlongs, no surrogates, nothing above U+10FFFF), or -1. An incomplete sequence at the end
 * counts as invalid. Scalar; used to locate an error once the fast check has failed.
 */
export function firstInvalidUtf8(buf: Uint8Array): number {
  const n = buf.length;
  let i = 0;
  while (i < n) {
    const b = buf[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= n) return i;
    const b1 = buf[i + 1] ?? 0;
    if (b1 < lo || b1 > hi) return i;
    for (let j = 2; j <= need; j++) {
      const c = buf[i + j] ?? 0;
      if ((c & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * True when a line is evidently UTF-8: well-formed, with at least two 3-byte sequences (Chinese
 * text). A GBK line of Chinese text is practically never well-formed UTF-8 as a whole.
 */
function utf8Evidence(line: Uint8Array): boolean {
  let leads = 0;
  for (let i = 0; i < line.length && leads < 2; i++) {
    const b = line[i] ?? 0;
    if (b >= 0xe0 && b <= 0xef) leads++;
  }
  return leads >= 2 && isUtf8(line);
}

/**
 * The first line (1-based, counted from `firstLine`) of `buf` that is evidently UTF-8, or -1;
 * only complete lines (ending with LF) are looked at.
 */
function firstUtf8Line(buf: Uint8Array, firstLine = 1): number {
  let line = firstLine;
  let start = 0;
  for (let lf = buf.indexOf(0x0a); lf !== -1; lf = buf.indexOf(0x0a, start)) {
    if (utf8Evidence(buf.subarray(start, lf))) return line;
    line++;
    start = lf + 1;
  }
  return -1;
}

/**
 * Mixed encodings in a sample that is not UTF-8 as a whole: a line that is evidently UTF-8 and
 * another that is not UTF-8 at all (GBK rows pasted into a UTF-8 file, or the other way round).
 * Returns the line where the second encoding starts, or -1.
 */
function mixedEncodingLine(sample: Uint8Array, complete: boolean): number {
  const end = complete ? sample.length : sample.lastIndexOf(0x0a) + 1;
  let utf8Line = -1;
  let otherLine = -1;
  let line = 1;
  let start = 0;
  while (start < end && (utf8Line === -1 || otherLine === -1)) {
    let lf = sample.indexOf(0x0a, start);
    if (lf === -1 || lf >= end) lf = end;
    const text = sample.subarray(start, lf);
    if (utf8Line === -1 && utf8Evidence(text)) utf8Line = line;
    else if (otherLine === -1 && !isUtf8(text)) otherLine = line;
    line++;
    start = lf + 1;
  }
  return utf8Line !== -1 && otherLine !== -1 ? Math.max(utf8Line, otherLine) : -1;
}

/** Control characters other than tab, LF, CR, FF and (DOS end-of-file) SUB. */
function isSuspiciousControl(b: number): boolean {
  return (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1a) || b === 0x7f;
}

/** True when `sample` is evidently not text: a NUL byte, or more than 1% control characters. */
export function looksBinary(sample: Uint8Array): boolean {
  if (sample.indexOf(0) !== -1) return true;
  let controls = 0;
  for (let i = 0; i < sample.length; i++) if (isSuspiciousControl(sample[i] ?? 0)) controls++;
  return controls > 4 && controls * 100 > sample.length;
}

/**
 * UTF-16 without a BOM: NUL bytes at every other position (the high byte of each ASCII digit,
 * comma and line break), on one side only. 'LE' when the NULs are at odd offsets.
 */
export function looksUtf16(sample: Uint8Array): 'LE' | 'BE' | undefined {
  const n = Math.min(sample.length, 4096) & ~1;
  if (n < 8) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (sample[i] === 0) even++;
    if (sample[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  if (odd * 4 > pairs && even * 20 < pairs) return 'LE';
  if (even * 4 > pairs && odd * 20 < pairs) return 'BE';
  return undefined;
}

/**
 * The encoding of a text file from its first bytes (pass at least SAMPLE_BYTES when the file is
 * that long; a sample cut mid-character is fine).
 *
 * 1. BOM: UTF-8 BOM → `utf8-bom` (the decoder strips it). UTF-16 / UTF-32 BOM → UNSUPPORTED_FORMAT
 *    (the administrator re-saves as "CSV UTF-8"; the domain lists no such extracts).
 *    UTF-16 without a BOM (NULs at every other byte, looksUtf16) → UNSUPPORTED_FORMAT too.
 * 2. Binary (NUL bytes, many control characters) → FILE_BINARY.
 * 3. Strict UTF-8 → `utf8` (pure ASCII included).
 * 4. Lines that are evidently UTF-8 next to lines that are not UTF-8 → FILE_UNDECODABLE naming
 *    the line (GBK rows pasted into a UTF-8 file: read as GB18030 the UTF-8 names would become
 *    mojibake without a single invalid byte). The GB18030 decoder repeats this check per line.
 * 5. Otherwise GB18030 (a superset of GBK and GB2312, what Excel and WPS write on Chinese
 *    Windows), provided the sample decodes without replacement characters; else
 *    FILE_UNDECODABLE.
 */
export function detectEncoding(sample: Buffer, file = '<input>'): TextEncoding {
  if (startsWith(sample, [0x00, 0x00, 0xfe, 0xff]) || startsWith(sample, [0xff, 0xfe, 0x00, 0x00])) {
    throw new IngestError(
      'UNSUPPORTED_FORMAT',
      'UTF-32 text is not supported; save the file as "CSV UTF-8"',
      {
        file,
      },
    );
  }
  if (startsWith(sample, [0xff, 0xfe]) || startsWith(sample, [0xfe, 0xff])) {
    throw new IngestError(
      'UNSUPPORTED_FORMAT',
      'UTF-16 text ("Unicode text") is not supported; save the file as "CSV UTF-8" or XLSX',
      { file },
    );
  }
  const utf16 = looksUtf16(sample);
  if (utf16 !== undefined) {
    throw new IngestError(
      'UNSUPPORTED_FORMAT',
      `this looks like UTF-16 ${utf16} text without a byte-order mark ("Unicode text"), which is not supported; save the file as "CSV UTF-8" or XLSX`,
      { file },
    );
  }
  const bom = startsWith(sample, UTF8_BOM);
  const body = bom ? sample.subarray(3) : sample;
  if (looksBinary(body)) {
    throw new IngestError(
      'FILE_BINARY',
      'the file is binary, not a CSV text table (NUL bytes or control characters near its start)',
      { file },
    );
  }
  const text = body.subarray(0, body.length - incompleteUtf8Tail(body));
  if (isUtf8(text)) return bom ? 'utf8-bom' : 'utf8';
  if (bom) {
    const at = firstInvalidUtf8(text);
    throw new IngestError(
      'FILE_UNDECODABLE',
      `the file starts with a UTF-8 BOM but byte ${at + 3} is not UTF-8`,
      {
        file,
        details: { byteOffset: at + 3 },
      },
    );
  }
  const mixed = mixedEncodingLine(body, sample.length < SAMPLE_BYTES);
  if (mixed !== -1) {
    throw new IngestError(
      'FILE_UNDECODABLE',
      `the file mixes two encodings (UTF-8 and GBK/GB18030 rows): line ${mixed} is not in the encoding of the lines before it — re-export it in one encoding`,
      { file, row: mixed },
    );
  }
  // GB18030: decode without flushing, so a sequence cut at the sample's end stays in the decoder.
  const decoded = iconv.getDecoder('gb18030').write(body);
  const bad = decoded.indexOf('\uFFFD');
  if (bad !== -1) {
    const byteOffset = iconv.encode(decoded.slice(0, bad), 'gb18030').length;
    throw new IngestError(
      'FILE_UNDECODABLE',
      `the file is neither UTF-8 nor GB18030/GBK (first undecodable byte near offset ${byteOffset})`,
      { file, details: { byteOffset } },
    );
  }
  return 'gb18030';
}

function countNewlines(buf: Uint8Array, from = 0, to = buf.length): number {
  let n = 0;
  let i = buf.indexOf(0x0a, from);
  while (i !== -1 && i < to) {
    n++;
    i = buf.indexOf(0x0a, i + 1);
  }
  return n;
}

function countNewlinesInString(s: string): number {
  let n = 0;
  let i = s.indexOf('\n');
  while (i !== -1) {
    n++;
    i = s.indexOf('\n', i + 1);
  }
  return n;
}

/** UTF-8 in, validated UTF-8 out (BOM stripped). Chunks are passed through without copying. */
class Utf8Validator extends Transform {
  private pending: Buffer | undefined;
  private offset = 0; // file offset of the first byte of `pending` / the next chunk
  private lines = 0; // newlines before `offset`
  private first = true;

  constructor(private readonly file: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let data = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    if (this.first && data.length >= 3) {
      this.first = false;
      if (startsWith(data, UTF8_BOM)) {
        data = data.subarray(3);
        this.offset += 3;
      }
    } else if (this.first) {
      // fewer than 3 bytes so far: wait for more to decide about the BOM
      this.pending = data;
      done();
      return;
    }
    const hold = incompleteUtf8Tail(data);
    const ready = hold === 0 ? data : data.subarray(0, data.length - hold);
    if (!isUtf8(ready)) {
      const at = Math.max(0, firstInvalidUtf8(ready));
      done(this.undecodable(ready, at));
      return;
    }
    this.lines += countNewlines(ready);
    this.offset += ready.length;
    if (hold !== 0) this.pending = Buffer.from(data.subarray(data.length - hold));
    if (ready.length > 0) this.push(ready);
    done();
  }

  override _flush(done: TransformCallback): void {
    const rest = this.pending;
    this.pending = undefined;
    if (rest === undefined || rest.length === 0) return done();
    if (this.first) {
      // a file of 1–2 bytes
      const body = rest;
      if (!isUtf8(body)) return done(this.undecodable(body, Math.max(0, firstInvalidUtf8(body))));
      this.push(body);
      return done();
    }
    done(
      new IngestError(
        'FILE_TRUNCATED',
        `the file ends inside a multi-byte UTF-8 character (byte ${this.offset}, line ${this.lines + 1}): it was cut off`,
        { file: this.file, row: this.lines + 1, details: { byteOffset: this.offset } },
      ),
    );
  }

  private undecodable(buf: Buffer, at: number): IngestError {
    const byteOffset = this.offset + at;
    const line = this.lines + countNewlines(buf, 0, at) + 1;
    return new IngestError(
      'FILE_UNDECODABLE',
      `invalid UTF-8 bytes at byte offset ${byteOffset} (line ${line}); the file was detected as UTF-8 from its start — re-export it in one encoding`,
      { file: this.file, row: line, details: { byteOffset } },
    );
  }
}

/** GB18030 in, UTF-8 out. */
class Gb18030Decoder extends Transform {
  private readonly decoder = iconv.getDecoder('gb18030');
  private small: Buffer | undefined; // chunks under 4 bytes are coalesced (see _transform)
  private offset = 0;
  private lines = 0;

  constructor(private readonly file: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let data = chunk;
    if (this.small !== undefined) {
      data = Buffer.concat([this.small, chunk]);
      this.small = undefined;
    }
    // iconv-lite's GB18030 decoder keeps a sequence split across two writes but garbles a
    // 4-byte sequence spread over three or more; chunks of at least 4 bytes rule that out.
    if (data.length < 4) {
      this.small = Buffer.from(data);
      done();
      return;
    }
    const utf8Line = firstUtf8Line(data, this.lines + 1);
    if (utf8Line !== -1) return done(this.mixed(utf8Line));
    const text = this.decoder.write(data);
    const err = this.check(text);
    if (err !== undefined) return done(err);
    this.offset += data.length;
    if (text.length > 0) this.push(Buffer.from(text, 'utf8'));
    done();
  }

  override _flush(done: TransformCallback): void {
    let text = '';
    if (this.small !== undefined) text += this.decoder.write(this.small);
    text += this.decoder.end() ?? '';
    const err = this.check(text);
    if (err !== undefined) return done(err);
    if (text.length > 0) this.push(Buffer.from(text, 'utf8'));
    done();
  }

  private mixed(line: number): IngestError {
    return new IngestError(
      'FILE_UNDECODABLE',
      `line ${line} is UTF-8 but the file was detected as GB18030/GBK from its start: it mixes two encodings — re-export it in one encoding`,
      { file: this.file, row: line },
    );
  }

  private check(text: string): IngestError | undefined {
    const bad = text.indexOf('\uFFFD');
    if (bad === -1) {
      this.lines += countNewlinesInString(text);
      return undefined;
    }
    const before = text.slice(0, bad);
    const byteOffset = this.offset + iconv.encode(before, 'gb18030').length;
    const line = this.lines + countNewlinesInString(before) + 1;
    return new IngestError(
      'FILE_UNDECODABLE',
      `invalid GB18030/GBK bytes near byte offset ${byteOffset} (line ${line}); the file was detected as GB18030 from its start — re-export it in one encoding`,
      { file: this.file, row: line, details: { byteOffset } },
    );
  }
}

/**
 * A Transform from the file's bytes to validated UTF-8 bytes without BOM (a consumer wanting
 * strings can `setEncoding('utf8')` on it). Invalid bytes anywhere → FILE_UNDECODABLE with the
 * byte offset and line; a file cut inside a UTF-8 character → FILE_TRUNCATED.
 */
export function decodeStream(encoding: TextEncoding, options: { file?: string } = {}): Transform {
  const file = options.file ?? '<input>';
  return encoding === 'gb18030' ? new Gb18030Decoder(file) : new Utf8Validator(file);
}
