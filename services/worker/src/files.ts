// Delivered files are kept content-addressed (by sha256) in the file store, so the import job
// re-reads exactly the bytes that were delivered, and the same bytes are stored once.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
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

/** Copies `source` into the store under its sha256 (atomically: temp file, then rename). */
export async function storeFile(storeDir: string, source: string): Promise<StoredFile> {
  const sha256 = await sha256File(source);
  const dir = join(storeDir, sha256.slice(0, 2));
  const storedPath = join(dir, sha256);
  await mkdir(dir, { recursive: true });
  const existing = await stat(storedPath).catch(() => null);
  if (!existing) {
    const temp = `${storedPath}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await copyFile(source, temp);
      await rename(temp, storedPath);
    } finally {
      await rm(temp, { force: true });
    }
  }
  const { size } = await stat(storedPath);
  return { sha256, storedPath, bytes: size };
}
