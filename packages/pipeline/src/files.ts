// Delivered files are kept content-addressed (by sha256) in the file store, so the import job
// re-reads exactly the bytes that were delivered, and the same bytes are stored once.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface StoredFile {
  sha256: string;
  storedPath: string;
  bytes: number;
}

/**
 * Copies `source` into the store under its sha256, reading it once: the bytes are hashed while
 * they are written to a temp file, which is then renamed to its hash (or dropped when the store
 * already holds those bytes).
 */
export async function storeFile(storeDir: string, source: string): Promise<StoredFile> {
  await mkdir(storeDir, { recursive: true });
  const temp = join(storeDir, `.incoming-${randomBytes(6).toString('hex')}.tmp`);
  const hash = createHash('sha256');
  try {
    await pipeline(
      createReadStream(source),
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      }),
      createWriteStream(temp),
    );
    const sha256 = hash.digest('hex');
    const dir = join(storeDir, sha256.slice(0, 2));
    const storedPath = join(dir, sha256);
    await mkdir(dir, { recursive: true });
    if (await stat(storedPath).catch(() => null)) await rm(temp, { force: true });
    else await rename(temp, storedPath);
    const { size } = await stat(storedPath);
    return { sha256, storedPath, bytes: size };
  } finally {
    await rm(temp, { force: true });
  }
}
