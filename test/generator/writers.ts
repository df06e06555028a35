// Output writers: CSV in the departments' encodings (UTF-8, UTF-8 with BOM, GBK, GB18030) with
// backpressure, XLSX through exceljs' streaming WorkbookWriter, JSON Lines. Rows are buffered in
// chunks of ~64 KB, encoded, written, and the producer waits for 'drain' when the stream is full.

import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';

export type TextEncodingName = 'utf8' | 'utf8-bom' | 'gbk' | 'gb18030';

const CHUNK_CHARS = 64 * 1024;

/** Buffered text writer with an encoding and backpressure. */
export class TextSink {
  private readonly stream: WriteStream;
  private parts: string[] = [];
  private size = 0;
  private failed: Error | undefined;
  private readonly encodable = new Set<string>();

  constructor(
    readonly path: string,
    private readonly encoding: TextEncodingName,
  ) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (e) => {
      this.failed = e;
    });
    if (encoding === 'utf8-bom') this.stream.write(Buffer.from([0xef, 0xbb, 0xbf]));
  }

  /** Appends text; returns a promise only when the caller must wait (stream full). */
  write(text: string): Promise<void> | undefined {
    this.parts.push(text);
    this.size += text.length;
    if (this.size < CHUNK_CHARS) return undefined;
    return this.flush();
  }

  private encode(text: string): Buffer {
    if (this.encoding === 'gbk' || this.encoding === 'gb18030') {
      // iconv-lite writes '?' for a character the encoding lacks: refuse instead of corrupting data.
      for (const ch of text) {
        if (ch.charCodeAt(0) < 0x80 || this.encodable.has(ch)) continue;
        if (iconv.decode(iconv.encode(ch, this.encoding), this.encoding) !== ch) {
          throw new Error(`${this.path}: ${JSON.stringify(ch)} cannot be written in ${this.encoding}`);
        }
        this.encodable.add(ch);
      }
      return iconv.encode(text, this.encoding);
    }
    return Buffer.from(text, 'utf8');
  }

  flush(): Promise<void> | undefined {
    if (this.failed) throw this.failed;
    if (this.parts.length === 0) return undefined;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (this.stream.write(this.encode(text))) return undefined;
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        this.stream.off('error', onError);
        resolve();
      };
      const onError = (e: Error): void => {
        this.stream.off('drain', onDrain);
        reject(e);
      };
      this.stream.once('drain', onDrain);
      this.stream.once('error', onError);
    });
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    if (this.failed) throw this.failed;
  }
}

/** RFC 4180 field quoting: only when needed, or always (some exporters quote every field). */
export function csvField(value: string, quoteAll: boolean): string {
  if (quoteAll || /[",\r\n]/.test(value) || value !== value.trim()) return `"${value.replaceAll('"', '""')}"`;
  return value;
}

export interface CsvStyle {
  quoteAll: boolean;
  eol: '\n' | '\r\n';
}

export class CsvWriter {
  private readonly sink: TextSink;

  constructor(
    path: string,
    encoding: TextEncodingName,
    private readonly style: CsvStyle,
  ) {
    this.sink = new TextSink(path, encoding);
  }

  writeRow(cells: readonly string[]): Promise<void> | undefined {
    let line = '';
    for (let i = 0; i < cells.length; i++) {
      if (i > 0) line += ',';
      line += csvField(cells[i] ?? '', this.style.quoteAll);
    }
    return this.sink.write(line + this.style.eol);
  }

  close(): Promise<void> {
    return this.sink.close();
  }
}

export class JsonLinesWriter {
  private readonly sink: TextSink;

  constructor(path: string) {
    this.sink = new TextSink(path, 'utf8');
  }

  write(value: unknown): Promise<void> | undefined {
    return this.sink.write(`${JSON.stringify(value)}\n`);
  }

  close(): Promise<void> {
    return this.sink.close();
  }
}

export type XlsxCell = string | number | null;

/**
 * Streaming XLSX writer. Text columns are written as text (inline strings, format `@`), numbers as
 * numbers. The zip entries' timestamps are fixed afterwards so the same input gives the same bytes.
 */
export class XlsxWriter {
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly sheet: ExcelJS.Worksheet;
  private rows = 0;
  private readonly textColumns: readonly number[];

  constructor(
    readonly path: string,
    sheetName: string,
    private readonly fixedDate: Date,
    textColumns: readonly number[],
  ) {
    this.workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
      filename: path,
      useSharedStrings: false,
      useStyles: true,
    });
    this.workbook.creator = 'generator';
    this.workbook.lastModifiedBy = 'generator';
    this.workbook.created = fixedDate;
    this.workbook.modified = fixedDate;
    this.sheet = this.workbook.addWorksheet(sheetName);
    this.textColumns = textColumns;
    for (const c of textColumns) this.sheet.getColumn(c + 1).numFmt = '@';
  }

  writeRow(cells: readonly XlsxCell[]): Promise<void> | undefined {
    const row = this.sheet.addRow(cells.map((c) => (c === null ? undefined : c)));
    // A number in a text column is what Excel left of a long ID typed into a General cell.
    for (const c of this.textColumns) if (typeof cells[c] === 'number') row.getCell(c + 1).numFmt = 'General';
    row.commit();
    // Let the zip stream drain now and then so memory stays bounded.
    if (++this.rows % 2000 === 0) return new Promise<void>((r) => setImmediate(r));
    return undefined;
  }

  async close(): Promise<void> {
    this.sheet.commit();
    await this.workbook.commit();
    await fixZipTimestamps(this.path, this.fixedDate);
  }
}

/** Rewrites the DOS modification time/date of every entry (local headers and central directory). */
export async function fixZipTimestamps(path: string, date: Date): Promise<void> {
  const dosTime =
    (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2);
  const dosDate = ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate();
  const fh = await open(path, 'r+');
  try {
    const { size } = await fh.stat();
    const tailLen = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, size - tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${path}: no zip end-of-central-directory record`);
    const entries = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    const stamp = Buffer.alloc(4);
    stamp.writeUInt16LE(dosTime, 0);
    stamp.writeUInt16LE(dosDate, 2);
    let p = 0;
    for (let e = 0; e < entries; e++) {
      if (cd.readUInt32LE(p) !== 0x02014b50) throw new Error(`${path}: bad central directory entry`);
      stamp.copy(cd, p + 12);
      const localOffset = cd.readUInt32LE(p + 42);
      await fh.write(stamp, 0, 4, localOffset + 10);
      p += 46 + cd.readUInt16LE(p + 28) + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
    }
    await fh.write(cd, 0, cdSize, cdOffset);
  } finally {
    await fh.close();
  }
}
