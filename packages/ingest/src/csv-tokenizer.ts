// Decoded CSV bytes → records (string[]), exactly as csv-parse 6 splits them with the options the
// reader used to give it: comma delimiter, double quote (doubled to escape), records ending with
// CRLF or LF (a lone CR is text), a UTF-8 BOM skipped at the start, `relax_quotes` (a stray quote
// such as 某"小明" stays text), `relax_column_count`, empty lines kept as [''], and
// `max_record_size` as csv-parse counts it. csv-parse costs ~3.3 s per million rows; most
// departmental files have no quote at all, so complete lines without a quote are split on commas
// directly (~4 times faster) and only records that involve a quote go through a byte-level state
// machine that reproduces csv-parse's (csv-tokenizer.test.ts compares both on random input).
//
// Input: valid UTF-8 (what decodeStream produces), in chunks cut anywhere. Memory: one chunk, the
// incomplete line at its end (up to MAX_PENDING_LINE) and the record being built (bounded by
// maxRecordBytes).

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * An incomplete line longer than this is fed to the state machine instead of being kept whole
 * until its end arrives, so that a file without line breaks cannot fill the memory.
 */
const MAX_PENDING_LINE = 64 * 1024;

/**
 * Bytes the state machine may look at past the one it handles (a quote followed by CRLF), and so
 * keeps unparsed at the end of a chunk until the next one arrives.
 */
const LOOKAHEAD = 3;

export type CsvSyntaxCode = 'QUOTE_NOT_CLOSED' | 'MAX_RECORD_SIZE';

/** The input is not CSV. Never quotes cell text (it may be personal data). */
export class CsvSyntaxError extends Error {
  constructor(readonly code: CsvSyntaxCode) {
    super(
      code === 'QUOTE_NOT_CLOSED'
        ? 'the input ends inside a quoted cell'
        : 'a record exceeds the maximum record size',
    );
    this.name = 'CsvSyntaxError';
  }
}

/**
 * Records whose quoted cell holds a line break → that cell's index (the first such cell): the
 * reader checks that it is not a quote left open over whole rows. Rare; a side table so that
 * records stay plain arrays.
 */
const lineBreakCells = new WeakMap<readonly string[], number>();

/** The index of the record's first cell with a line break inside quotes, or undefined. */
export function lineBreakCell(record: readonly string[]): number | undefined {
  return lineBreakCells.get(record);
}

export interface CsvTokenizerOptions {
  /** csv-parse's `max_record_size`: 0 = no limit. */
  maxRecordBytes: number;
}

/**
 * Push decoded chunks with `write`, then call `end` once; each returns the records completed by
 * that input, in order. After a syntax error, `error` is set and the records returned are the
 * ones before it; nothing more is returned.
 */
export class CsvTokenizer {
  error: CsvSyntaxError | undefined;
  private readonly maxRecordBytes: number;
  private readonly machine: QuotedRecordParser;
  /** Input not consumed yet (an incomplete line, look-ahead bytes), oldest first. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private bomChecked = false;

  constructor(options: CsvTokenizerOptions) {
    const max = options.maxRecordBytes;
    if (!Number.isInteger(max) || max < 0) {
      throw new RangeError(`maxRecordBytes must be a non-negative integer, got ${max}`);
    }
    this.maxRecordBytes = max;
    this.machine = new QuotedRecordParser(max);
  }

  write(chunk: Buffer): string[][] {
    const out: string[][] = [];
    if (this.error !== undefined || chunk.length === 0) return out;
    if (this.canWaitWith(chunk)) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      return out;
    }
    this.consume(this.takePending(chunk), false, out);
    return out;
  }

  end(): string[][] {
    const out: string[][] = [];
    if (this.error !== undefined) return out;
    this.consume(this.takePending(undefined), true, out);
    if (this.error === undefined) this.machine.finish(out);
    this.error = this.machine.error;
    return out;
  }

  /**
   * True when `chunk` only continues a short incomplete line: it is then kept aside without
   * being copied (a long line arriving in small chunks would otherwise be copied again and again).
   */
  private canWaitWith(chunk: Buffer): boolean {
    return (
      this.pending.length > 0 &&
      !this.machine.busy &&
      this.bomChecked &&
      this.pendingBytes + chunk.length <= MAX_PENDING_LINE &&
      chunk.indexOf(LF) === -1
    );
  }

  private takePending(chunk: Buffer | undefined): Buffer {
    const parts = chunk === undefined ? this.pending : [...this.pending, chunk];
    this.pending = [];
    this.pendingBytes = 0;
    if (parts.length === 1 && parts[0] !== undefined) return parts[0];
    return Buffer.concat(parts);
  }

  private consume(buf: Buffer, atEnd: boolean, out: string[][]): void {
    let pos = 0;
    if (!this.bomChecked) {
      // like csv-parse, decide about a BOM once 3 bytes are there
      if (buf.length < 3 && !atEnd) {
        this.keep(buf);
        return;
      }
      this.bomChecked = true;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
    }
    pos = this.records(buf, pos, atEnd, out);
    this.error = this.machine.error;
    if (pos < buf.length && this.error === undefined) this.keep(buf.subarray(pos));
  }

  private keep(rest: Buffer): void {
    this.pending.push(rest);
    this.pendingBytes += rest.length;
  }

  /** Parse records from `buf` starting at `start`; returns where the unconsumed input begins. */
  private records(buf: Buffer, start: number, atEnd: boolean, out: string[][]): number {
    const limit = atEnd ? buf.length : buf.length - LOOKAHEAD;
    let pos = start;
    let nextQuote = -1; // position of the first quote at or after `pos` (buf.length: none)
    while (pos < buf.length) {
      if (!this.machine.busy) {
        const lf = buf.indexOf(LF, pos);
        const lineEnd = lf !== -1 ? lf : atEnd ? buf.length : -1;
        if (lineEnd === -1 && buf.length - pos <= MAX_PENDING_LINE) break; // wait for the line's end
        if (lineEnd !== -1) {
          if (nextQuote < pos) nextQuote = indexOrLength(buf, QUOTE, pos);
          if (nextQuote >= lineEnd && this.fitsFastPath(lineEnd - pos)) {
            out.push(splitLine(buf, pos, lineEnd, lf !== -1));
            pos = lineEnd + 1;
            continue;
          }
        }
      }
      const before = out.length;
      pos = this.machine.parse(buf, pos, limit, out);
      if (out.length === before) break; // the record needs more input, or is not CSV
    }
    return Math.min(pos, buf.length);
  }

  /**
   * Whether a line of `bytes` bytes (CR included) can be split without checking the record size
   * cell by cell: csv-parse refuses a record when, before adding a byte to a cell, the characters
   * of the cells before plus the bytes of this one exceed the limit — never the case when the
   * whole line has at most limit + 1 bytes.
   */
  private fitsFastPath(bytes: number): boolean {
    return this.maxRecordBytes === 0 || bytes <= this.maxRecordBytes + 1;
  }
}

function indexOrLength(buf: Buffer, byte: number, from: number): number {
  const at = buf.indexOf(byte, from);
  return at === -1 ? buf.length : at;
}

/** The cells of a line without quotes; `lineEnd` is at its LF (CR before it dropped) or the end of input. */
function splitLine(buf: Buffer, start: number, lineEnd: number, endsWithLf: boolean): string[] {
  let stop = lineEnd;
  if (endsWithLf && stop > start && buf[stop - 1] === CR) stop--;
  // one string per line, cells cut from it: no per-cell decoding, and a cell kept by the caller
  // keeps at most its line alive (not a whole chunk)
  const line = buf.toString('utf8', start, stop);
  const cells: string[] = [];
  let from = 0;
  for (;;) {
    const comma = line.indexOf(',', from);
    if (comma === -1) break;
    cells.push(line.slice(from, comma));
    from = comma + 1;
  }
  cells.push(from === 0 ? line : line.slice(from));
  return cells;
}

/**
 * csv-parse's byte loop (lib/api/index.js, `parse`) reduced to the reader's options. Used for every
 * record that contains a quote or is too long to split blindly; state survives between chunks.
 */
class QuotedRecordParser {
  error: CsvSyntaxError | undefined;
  private field = Buffer.allocUnsafe(256);
  private fieldBytes = 0;
  private record: string[] = [];
  /** csv-parse's `record_length`: the *characters* (UTF-16 units) of the record's finished cells. */
  private recordChars = 0;
  private quoting = false;
  /** The cell began with a quote (an empty quoted cell still makes a record). */
  private wasQuoting = false;
  /** The previous byte was the first quote of a doubled quote: this one is text. */
  private escaping = false;
  /** Index of the first cell of the record with a line break inside quotes. */
  private lineBreakCell: number | undefined;

  constructor(private readonly maxRecordBytes: number) {}

  /** A record is in progress. */
  get busy(): boolean {
    return this.quoting || this.wasQuoting || this.fieldBytes !== 0 || this.record.length !== 0;
  }

  /**
   * Parse from `pos` until one record is complete (appended to `out`; returns the position after
   * its line break), `limit` is reached or an error is found (`error` set). May look at bytes up
   * to `limit + LOOKAHEAD`, or past the end of `buf` = the end of the input.
   */
  parse(buf: Buffer, start: number, limit: number, out: string[][]): number {
    let pos = start;
    for (; pos < limit; pos++) {
      const byte = buf[pos] ?? 0;
      if (this.escaping) {
        this.escaping = false;
      } else {
        if (byte === QUOTE && this.onQuote(buf, pos)) continue;
        if (!this.quoting) {
          if (byte === LF || (byte === CR && buf[pos + 1] === LF)) {
            this.endRecord(out);
            return byte === LF ? pos + 1 : pos + 2;
          }
          if (byte === COMMA) {
            this.endField();
            continue;
          }
        }
      }
      // checked before each byte added, as csv-parse does (so a cell may end 1 byte over)
      if (this.maxRecordBytes !== 0 && this.recordChars + this.fieldBytes > this.maxRecordBytes) {
        this.error = new CsvSyntaxError('MAX_RECORD_SIZE');
        return pos;
      }
      if (byte === LF && this.quoting && this.lineBreakCell === undefined) {
        this.lineBreakCell = this.record.length;
      }
      this.append(byte);
    }
    return pos;
  }

  /** At the end of the input: the last record (without line break), or QUOTE_NOT_CLOSED. */
  finish(out: string[][]): void {
    if (this.error !== undefined) return;
    if (this.quoting) this.error = new CsvSyntaxError('QUOTE_NOT_CLOSED');
    else if (this.busy) this.endRecord(out);
  }

  /** Handle a quote at `pos`; true when it is syntax (consumed), false when it is text. */
  private onQuote(buf: Buffer, pos: number): boolean {
    if (!this.quoting) {
      // a quote opens a quoted cell only as its first byte; elsewhere it is text (relax_quotes)
      if (this.fieldBytes !== 0) return false;
      this.quoting = true;
      return true;
    }
    const next = buf[pos + 1];
    if (next === QUOTE) {
      this.escaping = true; // "" inside quotes
      return true;
    }
    this.quoting = false;
    this.wasQuoting = true;
    // `!nextChr` in csv-parse: the end of the input, and also a NUL byte, close the cell
    if (next === undefined || next === 0 || next === COMMA || next === LF) return true;
    if (next === CR && buf[pos + 2] === LF) return true;
    // relax_quotes: "ab"c is read as the text "ab"c — csv-parse puts back the opening quote and
    // keeps this one as text
    this.prependQuote();
    return false;
  }

  private append(byte: number): void {
    if (this.fieldBytes === this.field.length) {
      const bigger = Buffer.allocUnsafe(this.field.length * 2);
      this.field.copy(bigger, 0, 0, this.fieldBytes);
      this.field = bigger;
    }
    this.field[this.fieldBytes++] = byte;
  }

  private prependQuote(): void {
    this.append(QUOTE); // grows the buffer when needed; the byte is overwritten below
    this.field.copyWithin(1, 0, this.fieldBytes - 1);
    this.field[0] = QUOTE;
  }

  private endField(): void {
    const text = this.field.toString('utf8', 0, this.fieldBytes);
    this.record.push(text);
    this.recordChars += text.length;
    this.fieldBytes = 0;
    this.wasQuoting = false;
  }

  private endRecord(out: string[][]): void {
    this.endField();
    if (this.lineBreakCell !== undefined) {
      lineBreakCells.set(this.record, this.lineBreakCell);
      this.lineBreakCell = undefined;
    }
    out.push(this.record);
    this.record = [];
    this.recordChars = 0;
  }
}
