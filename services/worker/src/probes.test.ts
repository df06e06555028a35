// The worker's probe server against real Postgres and Redis: liveness, readiness (consumers
// running, then stopped), and metrics with this process's job durations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlers } from '@ew/pipeline/handlers';
import { startRuntime, type Runtime } from '@ew/pipeline/runtime';
import { createTestApp, type TestApp } from '../../../test/harness/app.ts';
import { createWorkerProbes, type WorkerProbes } from './probes.ts';

let t: TestApp;
let probes: WorkerProbes;
let runtime: Runtime;
let base: string;

beforeAll(async () => {
  t = await createTestApp();
  probes = createWorkerProbes(t.ctx, t.redisUrl);
  runtime = startRuntime(t.ctx, {
    redisUrl: t.redisUrl,
    prefix: t.queuePrefix,
    consume: ['import'],
    handlers,
    onJobFinished: probes.onJobFinished,
  });
  const server = await probes.listen(runtime, 0, '127.0.0.1');
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await runtime?.close();
  await probes?.close();
  await t?.close();
});

/** The metrics text once it contains `line` (jobs run asynchronously), or after 10 s. */
async function metricsWith(line: string): Promise<string> {
  let text = '';
  for (let i = 0; i < 100 && !text.includes(line); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    text = await res.text();
  }
  return text;
}

describe('worker probes', () => {
  it('is live, and ready while its consumers run', async () => {
    expect((await fetch(`${base}/livez`)).status).toBe(200);
    // BullMQ starts its consumers asynchronously
    let body: unknown;
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${base}/readyz`);
      body = await res.json();
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toEqual({
      status: 'ok',
      checks: { postgres: 'ok', redis: 'ok', redisPolicy: 'noeviction', migrations: 'ok', consuming: 'ok' },
    });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('serves process metrics, the pipeline gauges and its job durations', async () => {
    // an import job whose import does not exist: the handler skips it, the job completes
    await runtime.queues.import.add('import', { importId: 987654 }, { jobId: 'import-987654' });
    const completed = 'ew_job_duration_seconds_count{queue="import",outcome="completed"} 1';
    const text = await metricsWith(completed);
    expect(text).toContain(completed);
    expect(text).toContain('process_resident_memory_bytes');
    for (const [metric, type] of [
      ['ew_imports', 'gauge'],
      ['ew_rows_matched', 'gauge'],
      ['ew_alerts_open', 'gauge'],
      ['ew_job_failures_total', 'counter'],
    ]) {
      expect(text).toContain(`# TYPE ${metric} ${type}`);
    }
    expect(text).toMatch(/^ew_outbox_oldest_pending_seconds [\d.e+-]+$/m);
    expect(text).toContain('ew_queue_jobs{queue="import",state="waiting"} 0');
  });

  it('counts a job with a payload that can never succeed as a final failure', async () => {
    await runtime.queues.import.add(
      'import',
      { importId: 'not-an-id' },
      { jobId: 'import-bad', attempts: 5 },
    );
    const failed = 'ew_job_failures_total{queue="import",final="true"} 1';
    expect(await metricsWith(failed)).toContain(failed);
  });

  it('is not ready once its consumers have stopped', async () => {
    await runtime.close();
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ failed: ['consuming'], checks: { consuming: 'stopped' } });
  });
});
