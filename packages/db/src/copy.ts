// COPY FROM STDIN in Postgres text format: the bulk path for staging and register loads.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export type CopyValue = string | number | boolean | null | undefined | Record<string, unknown>;

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** One value as a COPY text-format field. */
export function copyField(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  const text =
    typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** One row as a COPY text-format line. */
export function copyLine(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t';
    line += copyField(values[i]);
  }
  return line + '\n';
}

function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

function copyStatement(table: string, columns: readonly string[]): string {
  return `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
}

/** Streams COPY text-format data (e.g. lines spilled to a file) into `table`. */
export async function copyText(
  client: pg.PoolClient | pg.Client,
  table: string,
  columns: readonly string[],
  text: NodeJS.ReadableStream,
): Promise<void> {
  await pipeline(text, client.query(copyFrom(copyStatement(table, columns))));
}

/**
 * Streams rows into `table` with COPY on the given client (inside whatever transaction the
 * caller opened). Rows are batched into ~256 KiB chunks so the stream is not called per row.
 * Returns the number of rows written.
 */
export async function copyRows(
  client: pg.PoolClient | pg.Client,
  table: string,
  columns: readonly string[],
  rows: AsyncIterable<readonly CopyValue[]> | Iterable<readonly CopyValue[]>,
): Promise<number> {
  let count = 0;
  async function* lines(): AsyncGenerator<string> {
    let buffer = '';
    for await (const row of rows as AsyncIterable<readonly CopyValue[]>) {
      buffer += copyLine(row);
      count++;
      if (buffer.length >= 256 * 1024) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer.length > 0) yield buffer;
  }
  await copyText(client, table, columns, Readable.from(lines()));
  return count;
}
