import { Readable } from 'node:stream';
import { text as streamText } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import {
  decodeStream,
  detectEncoding,
  firstInvalidUtf8,
  incompleteUtf8Tail,
  looksBinary,
  SAMPLE_BYTES,
  type TextEncoding,
} from './encoding.ts';
import { IngestError } from './errors.ts';
import { rejection, thrown } from './ingest.fixture.ts';

const CHINESE = '姓名,身份证号\n张三,110105194912310021\n𠀀𪚥龘,€¥\n';

function code(e: unknown): string | undefined {
  return e instanceof IngestError ? e.code : undefined;
}

/** Decode `bytes` fed in chunks of `size` bytes. */
async function decodeChunked(encoding: TextEncoding, bytes: Buffer, size: number): Promise<string> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const out = Readable.from(chunks, { objectMode: false }).pipe(decodeStream(encoding, { file: 't.csv' }));
  return streamText(out);
}

describe('detectEncoding', () => {
  it('recognises UTF-8, UTF-8 with BOM and GB18030', () => {
    expect(detectEncoding(Buffer.from(CHINESE, 'utf8'))).toBe('utf8');
    expect(detectEncoding(Buffer.from('name,id\nx,1\n'))).toBe('utf8');
    expect(detectEncoding(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CHINESE)]))).toBe(
      'utf8-bom',
    );
    expect(detectEncoding(iconv.encode(CHINESE, 'gb18030'))).toBe('gb18030');
    expect(detectEncoding(iconv.encode('姓名,证件号码\n王五,1\n', 'gbk'))).toBe('gb18030');
  });

  it('accepts a sample cut in the middle of a character', () => {
    const utf8 = Buffer.from('a'.repeat(SAMPLE_BYTES - 1) + '张三', 'utf8').subarray(0, SAMPLE_BYTES + 1);
    expect(incompleteUtf8Tail(utf8)).toBe(2); // 张 (3 bytes) cut after its 2nd byte
    expect(detectEncoding(utf8)).toBe('utf8');
    const fourByte = Buffer.from('ab𠀀', 'utf8');
    for (let cut = 3; cut < fourByte.length; cut++)
      expect(detectEncoding(fourByte.subarray(0, cut))).toBe('utf8');

    // GB18030: a 2-byte and a 4-byte character cut at the sample's end
    const gb = iconv.encode('甲'.repeat(10) + '𠀀', 'gb18030');
    for (let cut = 19; cut < gb.length; cut++) expect(detectEncoding(gb.subarray(0, cut))).toBe('gb18030');
  });

  it('refuses binary data', () => {
    const png = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52,
    ]);
    expect(code(thrown(() => detectEncoding(png)))).toBe('FILE_BINARY');
    let seed = 7;
    const random = Buffer.alloc(4096, 0).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0), seed >>> 24));
    expect(looksBinary(random)).toBe(true);
    expect(code(thrown(() => detectEncoding(Buffer.from(random))))).toBe('FILE_BINARY');
    const controls = Buffer.from('a,b\n\x01\x02\x03\x04\x05\x06,x\n');
    expect(code(thrown(() => detectEncoding(controls)))).toBe('FILE_BINARY');
    // a stray control character in a real table is not binary
    expect(detectEncoding(Buffer.from(`a,b\n${'x,y\n'.repeat(200)}\x1b,z\n`))).toBe('utf8');
  });

  it('refuses UTF-16 / UTF-32 by their BOM', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('姓名,x', 'utf16le')]);
    const e = thrown(() => detectEncoding(utf16, 'u16.csv'));
    expect(code(e)).toBe('UNSUPPORTED_FORMAT');
    expect((e as Error).message).toContain('u16.csv');
    expect(code(thrown(() => detectEncoding(Buffer.from([0xfe, 0xff, 0, 0x41]))))).toBe('UNSUPPORTED_FORMAT');
  });

  it('refuses bytes that are neither UTF-8 nor GB18030', () => {
    // 0xff is a lead byte in no GB18030 sequence
    const e = thrown(() => detectEncoding(Buffer.from([0x41, 0x2c, 0xff, 0xff, 0x0a])));
    expect(code(e)).toBe('FILE_UNDECODABLE');
    // a UTF-8 BOM followed by non-UTF-8
    const bomThenGbk = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), iconv.encode('姓名', 'gbk')]);
    expect(code(thrown(() => detectEncoding(bomThenGbk)))).toBe('FILE_UNDECODABLE');
  });
});

describe('firstInvalidUtf8', () => {
  it('finds the first ill-formed byte', () => {
    expect(firstInvalidUtf8(Buffer.from('张三abc'))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1); // overlong
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80]))).toBe(2); // surrogate
    expect(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // > U+10FFFF
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe5, 0xbc]))).toBe(1); // incomplete
  });
});

describe('decodeStream', () => {
  it('decodes GB18030 with multibyte characters straddling every chunk boundary', async () => {
    const text = `${CHINESE}${'龘𠀀中文,'.repeat(50)}\n`;
    const bytes = iconv.encode(text, 'gb18030');
    for (const size of [1, 2, 3, 5, 7, 4096]) expect(await decodeChunked('gb18030', bytes, size)).toBe(text);
  });

  it('passes UTF-8 through, characters straddling chunks, BOM stripped', async () => {
    const text = `${CHINESE}${'龘𠀀中文,'.repeat(50)}\n`;
    const bytes = Buffer.from(text, 'utf8');
    for (const size of [1, 2, 3, 5, 4096]) expect(await decodeChunked('utf8', bytes, size)).toBe(text);
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    for (const size of [1, 2, 4, 4096]) expect(await decodeChunked('utf8-bom', withBom, size)).toBe(text);
    expect(await decodeChunked('utf8', Buffer.from('é'), 1)).toBe('é');
  });

  it('refuses invalid UTF-8 further down, naming the byte offset and line', async () => {
    const head = Buffer.from(`h1,h2\n${'张三,1\n'.repeat(10000)}`, 'utf8');
    const bytes = Buffer.concat([head, iconv.encode('李四', 'gbk'), Buffer.from(',2\n')]);
    for (const size of [3, 65536]) {
      const e = await rejection(decodeChunked('utf8', bytes, size));
      expect(code(e)).toBe('FILE_UNDECODABLE');
      const ie = e as IngestError;
      expect(ie.details.byteOffset).toBe(head.length);
      expect(ie.row).toBe(10002);
      expect(ie.message).toContain(`byte offset ${head.length}`);
      expect(ie.message).toContain('t.csv');
    }
  });

  it('refuses a UTF-8 file cut inside a character as truncated', async () => {
    const bytes = Buffer.from('a,b\n张三', 'utf8');
    expect(code(await rejection(decodeChunked('utf8', bytes.subarray(0, bytes.length - 1), 4)))).toBe(
      'FILE_TRUNCATED',
    );
  });

  it('refuses undecodable bytes in a GB18030 file', async () => {
    const bytes = Buffer.concat([iconv.encode('姓名\n张三\n', 'gb18030'), Buffer.from([0xff, 0x0a])]);
    const e = (await rejection(decodeChunked('gb18030', bytes, 4096))) as IngestError;
    expect(e.code).toBe('FILE_UNDECODABLE');
    expect(e.row).toBe(3);
  });

  it('works in a pipeline', async () => {
    const out: string[] = [];
    await pipeline(Readable.from([iconv.encode('中文', 'gb18030')]), decodeStream('gb18030'), async (src) => {
      for await (const c of src) out.push(String(c));
    });
    expect(out.join('')).toBe('中文');
  });
});
