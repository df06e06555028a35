// Hostile input at the API's edges (issue 15 point 6): property-based requests against every
// route of the app — query strings, path ids and JSON bodies built from arbitrary text (NUL
// characters, lone surrogates, huge numbers, dates of year 0, deep nesting) — must never answer
// 500 nor show a stack trace. Plus: oversized bodies, upload names that try to leave the file
// store, and formula-safe CSV exports.
import { randomBytes } from 'node:crypto';
import { relative } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markRegisterApplied } from '@ew/pipeline/imports/imports.fixture';
import { csvSafeCell, idCheckDigit } from '@ew/core';
import { bearer, multipart, startApiTest, type ApiTest, type Who } from './api.fixture.ts';

let api: ApiTest;
beforeAll(async () => {
  api = await startApiTest();
  await markRegisterApplied(api.t.ctx.database.db); // a feed is refused until a register is loaded
});
afterAll(async () => {
  await api?.close();
});

const WHO: Who[] = ['admin', 'supervisor', 'ops', 'cwA', 'cwB'];

/** Query keys the routes know (and some they do not). */
const KEYS = [
  'town',
  'townId',
  'feed',
  'status',
  'limit',
  'cursor',
  'beforeId',
  'afterId',
  'importId',
  'code',
  'village',
  'assignee',
  'source',
  'severity',
  'overdue',
  'unassigned',
  'paperworkDue',
  'period',
  'month',
  'by',
  'from',
  'to',
  'format',
  'x',
  '__proto__',
  'constructor',
];

/** Text an attacker or a broken client sends. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '城关镇\u0000',
    '0000-01',
    '0000-00-00',
    '9999-99',
    '-1',
    '0',
    '1e309',
    '99999999999999999999999',
    '9007199254740993',
    'NaN',
    'Infinity',
    '1.5',
    '0x10',
    ' ',
    '',
    '\uD800',
    '\uFFFF',
    '%00',
    '../../etc/passwd',
    "'; drop table users; --",
    '<script>',
    'me',
    'OPEN',
    'CLOSED',
    'true',
    'false',
    'null',
    '[]',
    '{}',
    'A'.repeat(5000),
  ),
  fc.bigInt().map(String),
  fc.double().map(String),
);

/** Any JSON, with hostile strings and numbers, nested deeply now and then. */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileText,
    fc.double(),
    fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(Number),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(
        hostileText,
        fc.constantFrom(
          ...KEYS,
          'version',
          'note',
          'outcome',
          'aidAmount',
          'userId',
          'townId',
          'reason',
          'personId',
          'reject',
          'source',
          'subject',
          'householdNo',
          'visitedOn',
          'met',
        ),
      ),
      tie('v'),
      { maxKeys: 5 },
    ),
  ),
})).v;

const deepJson = fc.integer({ min: 100, max: 5000 }).map((n) => '['.repeat(n) + ']'.repeat(n));

const pathId = fc.oneof(
  fc.constantFrom('1', '2', '0', '-1', '99999999999999999999', '1e3', '%00', 'abc', '%E4%B8%AD', '1%00'),
  fc.nat().map(String),
);

/** Every byte percent-encoded (encodeURIComponent throws on a lone surrogate). */
const pct = (s: string): string =>
  [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

function queryString(q: Record<string, string>): string {
  const parts = Object.entries(q).map(([k, v]) => `${pct(k)}=${pct(v)}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** No stack frames, source paths or driver messages in an answer. */
function expectNoLeak(body: string): void {
  expect(body).not.toMatch(/\n\s+at |\bat \S+ \(|node:internal|node_modules|\.ts:\d+|\/work\/|\/tmp\//);
  expect(body).not.toMatch(/invalid byte sequence|numeric field overflow|syntax error at|violates/);
}

function routes(): Array<{ method: string; url: string }> {
  const seen = new Set<string>();
  return api.app.routeCatalogue.filter((r) => {
    const key = `${r.method} ${r.url}`;
    if (r.method === 'HEAD' || r.method === 'OPTIONS' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

describe('hostile requests to every route', () => {
  it('covers the routes of the app', () => {
    const urls = routes().map((r) => `${r.method} ${r.url}`);
    expect(urls).toEqual(expect.arrayContaining(['GET /tasks', 'POST /imports', 'GET /imports/:id']));
    expect(urls.length).toBeGreaterThan(15);
  });

  it('never answers 500 nor shows a stack trace', { timeout: 300_000 }, async () => {
    const catalogue = routes();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...catalogue),
        fc.constantFrom(...WHO),
        pathId,
        fc.dictionary(fc.constantFrom(...KEYS), hostileText, { maxKeys: 4 }),
        fc.oneof(hostileJson, deepJson, fc.constant(undefined)),
        async (route, who, id, query, body) => {
          const url = route.url.replace(/:[a-zA-Z]+/g, id) + queryString(query);
          const res = await api.app.inject({
            method: route.method as 'GET',
            url,
            headers: {
              ...bearer(api.tokens[who]),
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(body === undefined
              ? {}
              : { payload: typeof body === 'string' && body.startsWith('[[') ? body : JSON.stringify(body) }),
          });
          expect(res.statusCode, `${route.method} ${url} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
          expectNoLeak(res.body);
        },
      ),
      { numRuns: 600, seed: 15 },
    );
  });

  it('refuses NUL characters in query text with a clear 400 (town, feed)', async () => {
    for (const url of [
      '/tasks?town=%00',
      '/tasks?town=%E5%9F%8E%00',
      '/imports?feed=hr%00',
      '/reviews?status=OPEN%00',
    ]) {
      const who = url.startsWith('/tasks') ? 'supervisor' : 'admin';
      const res = await api.app.inject({ method: 'GET', url, headers: bearer(api.tokens[who]) });
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toMatchObject({
        error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('NUL') },
      });
    }
  });

  it('refuses the period 0000-01 (and other impossible years) with PERIOD_INVALID', async () => {
    for (const [i, period] of ['0000-01', '0000-01-31', '0099-01', '10000-01', '2023-00'].entries()) {
      const form = multipart(
        { feed: 'hr', period },
        { name: `p${i}.csv`, content: `公民身份号码,姓名,业务类型,业务日期\n${i}\n` },
      );
      const res = await api.app.inject({
        method: 'POST',
        url: '/imports',
        headers: { ...bearer(api.tokens.admin), ...form.headers },
        payload: form.payload,
      });
      expect(res.statusCode, period).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'PERIOD_INVALID' } });
    }
  });

  it('refuses an oversized JSON body with PAYLOAD_TOO_LARGE', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/tasks',
      headers: { ...bearer(api.tokens.supervisor), 'content-type': 'application/json' },
      payload: JSON.stringify({ source: 'PHONE', reason: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });
});

function validId(seq: number): string {
  const first17 = `13080219800102${String(seq).padStart(3, '0')}`;
  return first17 + idCheckDigit(first17);
}

describe('upload file names', () => {
  it('cannot escape the file store: only the last segment is kept, as a name', async () => {
    const names = [
      '../../etc/passwd',
      '..\\..\\x',
      '/abs/path.csv',
      'C:\\Users\\a\\..\\b.csv',
      '..',
      '.\u0000./y',
      '',
    ];
    const db = api.t.ctx.database.db;
    const stored: string[] = [];
    for (const [i, name] of names.entries()) {
      const content = `公民身份号码,姓名,业务类型,业务日期,月收入\n${validId(i + 1)},张三,失业登记,2023-03-01,${randomBytes(2).readUInt16LE()}\n`;
      const form = multipart(
        { feed: 'hr', period: `2010-${String(i + 1).padStart(2, '0')}` },
        { name, content },
      );
      const res = await api.app.inject({
        method: 'POST',
        url: '/imports',
        headers: { ...bearer(api.tokens.admin), ...form.headers },
        payload: form.payload,
      });
      expect(res.statusCode, name).toBeLessThan(500);
      if (res.statusCode !== 202) continue;
      const imp = await db
        .selectFrom('imports')
        .select(['file_name', 'stored_path'])
        .where('id', '=', res.json<{ importId: number }>().importId)
        .executeTakeFirstOrThrow();
      expect(imp.file_name, name).not.toMatch(/[/\\]|^\.\.?$/);
      expect(imp.file_name.includes('\u0000'), name).toBe(false);
      stored.push(imp.file_name);
      const inStore = relative(api.t.ctx.fileStoreDir, imp.stored_path);
      expect(inStore.startsWith('..') || inStore.startsWith('/'), imp.stored_path).toBe(false);
    }
    expect(stored.slice(0, 4)).toEqual(['passwd', 'x', 'path.csv', 'b.csv']);
  });
});

describe('CSV exports are formula-safe', () => {
  it('no exported cell begins with = + - @ tab or CR, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.constantFrom('=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', '=HYPERLINK("x")'),
        ),
        (text) => {
          let cell = csvSafeCell(text);
          if (cell.startsWith('"')) cell = cell.slice(1);
          expect(cell).not.toMatch(/^[=+\-@\t\r]/);
        },
      ),
      { numRuns: 2000, seed: 15 },
    );
  });

  it('a delivered file with formula cells comes back neutralised in the rejects CSV', async () => {
    const content =
      '公民身份号码,姓名,业务类型,业务日期,月收入\n' +
      `${validId(91)},张三,=cmd|'/c calc'!A1,2023-03-01,\n` +
      `${validId(92)},李四,@SUM(A1:A9),2023-03-01,\n` +
      `${validId(93)},王五,失业登记,+2023-03-01,\n`;
    const form = multipart({ feed: 'hr', period: '2011-01' }, { name: 'formulas.csv', content });
    const res = await api.app.inject({
      method: 'POST',
      url: '/imports',
      headers: { ...bearer(api.tokens.admin), ...form.headers },
      payload: form.payload,
    });
    expect(res.statusCode).toBe(202);
    const { importId } = res.json<{ importId: number }>();
    const { stageImport } = await import('@ew/pipeline/imports/stage-import');
    await stageImport(api.t.ctx, { importId });
    const csv = await api.app.inject({
      method: 'GET',
      url: `/imports/${importId}/rejects.csv`,
      headers: bearer(api.tokens.admin),
    });
    expect(csv.statusCode).toBe(200);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines.length).toBe(4);
    for (const line of lines.slice(1)) {
      for (const cell of line.split(',')) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+\-@\t\r]/);
    }
  });
});
