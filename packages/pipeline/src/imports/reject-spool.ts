// Rejects collected while the staged rows stream into COPY (one COPY at a time per connection).
// Kept in memory up to a few MiB, then spilled to a temp file, so a file full of bad rows
// cannot blow the worker's memory. Written to import_rejects after the rows.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { copyLine, type CopyValue } from '@ew/db';

const MEMORY_LIMIT = 4 * 1024 * 1024;

export class RejectSpool {
  private buffer = '';
  private file: { dir: string; path: string; stream: WriteStream } | null = null;
  rows = 0;

  async add(lines: readonly (readonly CopyValue[])[]): Promise<void> {
    for (const line of lines) this.buffer += copyLine(line);
    this.rows += lines.length;
    if (this.buffer.length >= MEMORY_LIMIT) await this.spill();
  }

  private async spill(): Promise<void> {
    if (!this.file) {
      const dir = await mkdtemp(join(tmpdir(), 'ew-rejects-'));
      const path = join(dir, 'rejects.copy');
      this.file = { dir, path, stream: createWriteStream(path) };
    }
    if (!this.file.stream.write(this.buffer)) await once(this.file.stream, 'drain');
    this.buffer = '';
  }

  /** Everything added, as COPY text. */
  async contents(): Promise<NodeJS.ReadableStream> {
    if (!this.file) return Readable.from([this.buffer]);
    await this.spill();
    this.file.stream.end();
    await once(this.file.stream, 'finish');
    return createReadStream(this.file.path);
  }

  async dispose(): Promise<void> {
    if (this.file) {
      this.file.stream.destroy();
      await rm(this.file.dir, { recursive: true, force: true });
    }
  }
}
