// Fault test (issue 15): the same file uploaded twice at the same moment — two POST /imports of
// the same bytes at once (Promise.all on the API), and two requestImport calls at once (CLI and
// API side by side). Exactly one import is recorded and queued; the other request is answered
// ALREADY_IMPORTED with the same import id. Once a worker has run it, the final state equals an
// undisturbed single upload's — compared as sorted lists, not sets, so a doubled staged row,
// match, signal, alert, task or task event fails the test.
import { readdir, readFile, rm } from 'node:fs/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestImport } from '@ew/pipeline/imports/request-import';
import { bearer, multipart, startApiTest, type ApiTest } from '../../services/api/src/api.fixture.ts';
import {
  finalState,
  generatedHrInput,
  importStatus,
  kill,
  loadRegister,
  startWorker,
  until,
  type RunInput,
  type WorkerProcess,
} from './faults.fixture.ts';

const PERSONS = 500;

let dir: string;
let input: RunInput;
let hrBytes: Buffer;
let baseline: Record<string, string[]>;
const opened: ApiTest[] = [];
const workers: WorkerProcess[] = [];

async function apiWithRegister(): Promise<ApiTest> {
  const api = await startApiTest();
  opened.push(api);
  await loadRegister(api.t, input);
  return api;
}

function upload(api: ApiTest) {
  const body = multipart({ feed: 'hr', period: '2023-03' }, { name: '人社局-202303.csv', content: hrBytes });
  return api.app.inject({
    method: 'POST',
    url: '/imports',
    headers: { ...bearer(api.tokens.admin), ...body.headers },
    payload: body.payload,
  });
}

/** Runs the app's queued import to the end with a worker process; its final state. */
async function runToEnd(api: ApiTest, importId: number): Promise<Record<string, string[]>> {
  const w = startWorker(api.t, { PIPELINE_CHUNK_ROWS: '4000' });
  workers.push(w);
  await until('EVALUATED', async () => (await importStatus(api.t, importId)) === 'EVALUATED', 50_000);
  await kill(w, 'SIGTERM');
  return finalState(api.t);
}

/** What the requests recorded: imports, their outbox jobs and audit entries, stored files. */
async function recorded(api: ApiTest): Promise<Record<string, number>> {
  const { rows } = await sql<Record<string, number>>`
    select (select count(*) from imports)::int as imports,
           (select count(*) from outbox where queue = 'import')::int as "importJobs",
           (select count(*) from audit_log where action = 'import.request')::int as "auditRequests"`.execute(
    api.t.ctx.database.db,
  );
  const store = api.t.ctx.fileStoreDir;
  const shards = (await readdir(store)).filter((d) => !d.startsWith('.'));
  let files = 0;
  for (const shard of shards) files += (await readdir(`${store}/${shard}`)).length;
  return { ...rows[0]!, storedFiles: files };
}

beforeAll(async () => {
  ({ dir, input } = await generatedHrInput(PERSONS));
  hrBytes = await readFile(input.feedFile);
  const api = await apiWithRegister();
  const res = await upload(api);
  expect(res.statusCode).toBe(202);
  baseline = await runToEnd(api, res.json<{ importId: number }>().importId);
  expect(baseline.signals!.length).toBeGreaterThan(10);
}, 120_000);

afterAll(async () => {
  for (const w of workers) await kill(w).catch(() => undefined);
  for (const api of opened) await api.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe.sequential('the same file uploaded twice at the same moment', () => {
  it('two POST /imports at once: one import (202), the other ALREADY_IMPORTED (200); no doubles', async () => {
    const api = await apiWithRegister();
    const answers = await Promise.all([upload(api), upload(api)]);
    const bodies = answers.map((a) => ({
      http: a.statusCode,
      ...a.json<{ importId: number; outcome: string }>(),
    }));
    expect(bodies.map((b) => `${b.http} ${b.outcome}`).sort()).toEqual([
      '200 ALREADY_IMPORTED',
      '202 QUEUED',
    ]);
    expect(bodies[0]!.importId).toBe(bodies[1]!.importId);
    expect(await recorded(api)).toEqual({ imports: 1, importJobs: 1, auditRequests: 1, storedFiles: 1 });
    expect(await runToEnd(api, bodies[0]!.importId)).toEqual(baseline);
  }, 60_000);

  it('two requestImport at once: one QUEUED, one ALREADY_IMPORTED of the same import; no doubles', async () => {
    const api = await apiWithRegister();
    const request = () =>
      requestImport(api.t.ctx, {
        feed: 'hr',
        period: '2023-03',
        file: input.feedFile,
        requestedBy: 'fault-test',
      });
    const results = await Promise.all([request(), request()]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['ALREADY_IMPORTED', 'QUEUED']);
    expect(results[0]!.importId).toBe(results[1]!.importId);
    expect(await recorded(api)).toEqual({ imports: 1, importJobs: 1, auditRequests: 1, storedFiles: 1 });
    expect(await runToEnd(api, results[0]!.importId)).toEqual(baseline);
  }, 60_000);
});
