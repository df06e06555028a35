// The register follow-up job as deployed (queue `registerApplied`, recorded with the snapshot):
// register INCOME_MARGINAL for every qualifying household of the first snapshot, judged as of the
// day the snapshot is applied — then feed deliveries dated before that day.
//
// Regression: compound risk once depended on the order signals arrived in (a window anchored at
// the alert's latest period); a register signal dated today then hid feed codes of 2023-03-31.
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDeploymentConfig, repoRoot, resolveFromRoot, type DeploymentConfig } from '@ew/config';
import { QUEUE_NAMES } from '@ew/queue';
import { handlers } from '@ew/pipeline/handlers';
import { requestImport } from '@ew/pipeline/imports/request-import';
import { importRegister } from '@ew/pipeline/register/register-import';
import { startRuntime, type Runtime } from '@ew/pipeline/runtime';
import { generate } from '../generator/index.ts';
import { createTestApp, type TestApp } from '../harness/app.ts';
import {
  expectedAlerts,
  expectedFeedSignals,
  expectedRegisterIncome,
  loadFeedTruth,
  loadRegisterTruth,
  signalKey,
  type ExpectedAlert,
  type ExpectedSignal,
  type RegisterTruth,
} from '../oracle/expected-signals.ts';
import { readAlerts, readSignals, setDiff, waitForImports, type DbSignal } from './helpers.ts';

const PERIOD = '2023-03-31';
const FEEDS = ['education', 'hr', 'medical'] as const;

let app: TestApp;
let runtime: Runtime;
let config: DeploymentConfig;
let dir: string;
let register: RegisterTruth;
let appliedOn: string;
const expected: ExpectedSignal[] = [];
const keyOf = (s: DbSignal | ExpectedSignal) =>
  signalKey({
    feed: s.feed,
    personId: s.personId,
    householdNo: s.householdNo,
    code: s.code,
    period: s.period,
  });

beforeAll(async () => {
  app = await createTestApp();
  config = loadDeploymentConfig(resolveFromRoot(repoRoot(), 'infra/config/deployment.yaml'));
  dir = join(app.dir, 'gen');
  await generate({ out: dir, persons: 2000, seed: 10, feeds: FEEDS });
  register = loadRegisterTruth(join(dir, 'truth'));
  runtime = startRuntime(app.ctx, {
    redisUrl: app.redisUrl,
    prefix: app.queuePrefix,
    consume: QUEUE_NAMES,
    handlers,
    relayIntervalMs: 200,
  });
}, 120_000);

afterAll(async () => {
  await runtime?.close();
  await app?.close();
}, 60_000);

async function waitForRun(kind: string, key: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  await runtime.relay();
  for (;;) {
    const run = await app.ctx.database.db
      .selectFrom('rule_runs')
      .select('run_key')
      .where('kind', '=', kind as 'REGISTER_INCOME')
      .where('run_key', '=', key)
      .executeTakeFirst();
    if (run) return;
    if (Date.now() - started > timeoutMs)
      throw new Error(`${kind} ${key} did not run within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.sequential('register follow-up job through the queue, then feeds', () => {
  it('raises INCOME_MARGINAL for every qualifying household, as of the day the snapshot is applied', async () => {
    const result = await importRegister(
      {
        database: app.ctx.database,
        mapping: app.ctx.mappings.get('register')!,
        allMappings: app.ctx.mappings,
        logger: app.ctx.logger,
      },
      join(dir, 'register.csv'),
    );
    expect(result.outcome).toBe('APPLIED');
    await waitForRun('REGISTER_INCOME', String(result.snapshotId));
    const { rows } = await sql<{ d: string }>`
      select applied_at::date::text as d from register_snapshots where id = ${result.snapshotId}`.execute(
      app.ctx.database.db,
    );
    appliedOn = rows[0]!.d;
    const oracle = expectedRegisterIncome(register, null, config, appliedOn);
    expected.push(...oracle);
    const signals = await readSignals(app.ctx);
    expect(oracle.length).toBeGreaterThan(0);
    expect(setDiff(oracle.map(keyOf), signals.map(keyOf))).toEqual({ missing: [], unexpected: [] });
  });

  it('imports feeds dated before it; signals equal the oracle', async () => {
    const ids: number[] = [];
    for (const feed of FEEDS) {
      const file = join(dir, `${feed}.csv`);
      const r = await requestImport(app.ctx, { feed, period: PERIOD, file, requestedBy: 'e2e' });
      ids.push(r.importId);
      expected.push(
        ...expectedFeedSignals(feed, PERIOD, loadFeedTruth(join(dir, 'truth'), feed), register, config)
          .signals,
      );
    }
    const status = await waitForImports(app.ctx, runtime, ids);
    expect(Object.values(status)).toEqual(ids.map(() => 'EVALUATED'));
    expect(setDiff(expected.map(keyOf), (await readSignals(app.ctx)).map(keyOf))).toEqual({
      missing: [],
      unexpected: [],
    });
  }, 60_000);

  async function severityMismatches(): Promise<{ withRegister: string[]; without: string[] }> {
    const oracle = expectedAlerts(expected, register, config);
    const alerts = await readAlerts(app.ctx);
    const got = new Map(alerts.filter((a) => a.status === 'OPEN').map((a) => [a.householdNo, a.severity]));
    const registerHouseholds = new Set(
      expected.filter((s) => s.feed === 'register').map((s) => s.householdNo),
    );
    const out = { withRegister: [] as string[], without: [] as string[] };
    const explain = (e: ExpectedAlert) =>
      `${e.householdNo}: oracle ${e.severity} (codes ${e.codes.join('+')}${e.compound ? ', compound' : ''}) pipeline ${got.get(e.householdNo) ?? 'none'}`;
    for (const e of oracle.values()) {
      if (got.get(e.householdNo) === e.severity) continue;
      (registerHouseholds.has(e.householdNo) ? out.withRegister : out.without).push(explain(e));
    }
    return out;
  }

  it('households without a register signal: alert severities equal the oracle', async () => {
    expect((await severityMismatches()).without).toEqual([]);
  });

  // KNOWN DEFECT, see the header: fails today because codes of 2023-03-31 do not count for
  // compound risk on an alert whose latest signal (the register's) is dated today.
  it('households whose register signal came first: codes within 90 days of each other are compound', async () => {
    const { withRegister } = await severityMismatches();
    if (withRegister.length > 0)
      console.log(
        `compound risk missed (${withRegister.length}):\n  ${withRegister.slice(0, 5).join('\n  ')}`,
      );
    expect(withRegister).toEqual([]);
  });
});
