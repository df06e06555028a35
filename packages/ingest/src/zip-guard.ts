// Zip-bomb guard for XLSX workbooks: the whole-file reader (xlsx-reader.ts) inflates every part
// into memory, so a sheet that inflates a thousandfold (a 64 KB part becoming 64 MB of XML, or
// gigabytes) would exhaust the worker's heap before any row is read. The parts are inflated here
// first, counting bytes and keeping none, and the workbook is refused (XLSX_TOO_LARGE) when a part
// inflates beyond a plausible ratio or all parts together beyond a total. Sizes are measured, not
// taken from the zip headers (which a crafted file can understate).

import { createInflateRaw } from 'node:zlib';
import { IngestError } from './errors.ts';

export interface ZipInflationLimits {
  /** All parts together, inflated (default 512 MiB). */
  maxInflatedBytes?: number;
  /** One part's inflated/compressed ratio, above which it is a bomb (default 200)… */
  maxRatio?: number;
  /** …once the part inflates beyond this (default 16 MiB: small parts compress well). */
  ratioFloorBytes?: number;
}

export const ZIP_MAX_INFLATED_BYTES = 512 * 1024 * 1024;
const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

interface Entry {
  name: string;
  method: number;
  data: Buffer;
}

/** The zip's parts (compressed data), or undefined when the structure is not a readable zip. */
function entries(buf: Buffer): Entry[] | undefined {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd === -1 || eocd + 22 > buf.length || buf.readUInt32LE(eocd) !== EOCD) return undefined;
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: Entry[] = [];
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) return undefined;
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const skip = nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL) return undefined;
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + compressed > buf.length) return undefined;
    out.push({
      name: buf.toString('utf8', p + 46, p + 46 + nameLen),
      method,
      data: buf.subarray(start, start + compressed),
    });
    p += 46 + skip;
  }
  return out;
}

/** Bytes `data` inflates to, stopping once past `limit` (returns limit + 1); -1 when corrupt. */
function inflatedSize(data: Buffer, limit: number): Promise<number> {
  return new Promise((resolve) => {
    const z = createInflateRaw();
    let n = 0;
    let done = false;
    const finish = (v: number): void => {
      if (done) return;
      done = true;
      z.destroy();
      resolve(v);
    };
    z.on('data', (chunk: Buffer) => {
      n += chunk.length;
      if (n > limit) finish(limit + 1);
    });
    z.on('end', () => finish(n));
    z.on('error', () => finish(-1));
    z.end(data);
  });
}

/**
 * Throws XLSX_TOO_LARGE when a part of the zip in `buf` inflates beyond the limits. A buffer that
 * is not a readable zip passes (the workbook reader then refuses it with its own reason).
 */
export async function checkZipInflation(
  buf: Buffer,
  file: string,
  limits: ZipInflationLimits = {},
): Promise<void> {
  const maxTotal = limits.maxInflatedBytes ?? ZIP_MAX_INFLATED_BYTES;
  const maxRatio = limits.maxRatio ?? 200;
  const floor = limits.ratioFloorBytes ?? 16 * 1024 * 1024;
  const parts = entries(buf);
  if (parts === undefined) return;
  let total = 0;
  for (const part of parts) {
    const remaining = maxTotal - total;
    let size: number;
    if (part.method === 0) size = part.data.length;
    else if (part.method === 8) {
      const ratioLimit = Math.max(floor, part.data.length * maxRatio);
      size = await inflatedSize(part.data, Math.min(remaining, ratioLimit));
      if (size === -1) return; // corrupt data: the reader says so
      if (size > ratioLimit) {
        throw new IngestError(
          'XLSX_TOO_LARGE',
          `part "${part.name.slice(0, 100)}" of the workbook inflates more than ${maxRatio} times its packed size (past ${Math.round(ratioLimit / 1048576)} MB): not a plausible worksheet (a zip bomb?); deliver the data as CSV`,
          { file, details: { limitBytes: ratioLimit } },
        );
      }
    } else return; // another compression method: the reader refuses it
    total += size;
    if (total > maxTotal) {
      throw new IngestError(
        'XLSX_TOO_LARGE',
        `the workbook inflates to more than ${Math.round(maxTotal / 1048576)} MB of XML; deliver it as CSV (UTF-8 or GBK) instead`,
        { file, details: { limitBytes: maxTotal } },
      );
    }
  }
}
