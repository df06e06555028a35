// Reports over HTTP: the statistics table as JSON, CSV and XLSX for supervisors and admins only,
// a bad period refused, the monthly report as Markdown, the platform export masked for the data
// administrator and in full for a supervisor (both audited), the outcome feedback.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHistory, type History } from '@ew/reports/history.fixture';
import { bearer, startApiTest, TOWN_A, type ApiTest } from './api.fixture.ts';

let api: ApiTest;
let h: History;

beforeAll(async () => {
  api = await startApiTest();
  h = await buildHistory(api.t.ctx.database.db);
});
afterAll(async () => {
  await api.close();
});

const get = (url: string, who: 'admin' | 'supervisor' | 'cwA' | 'ops' = 'supervisor') =>
  api.app.inject({ method: 'GET', url, headers: bearer(api.tokens[who]) });

describe('reports API', () => {
  it('answers the statistics table to supervisors, refuses other roles and bad periods', async () => {
    const res = await get('/reports/stats?period=2023-03-28');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ period: '2023-03-28', firstDay: '2023-03-15', lastDay: '2023-03-28' });
    expect(body.total).toMatchObject({
      tasksClosed: 5,
      tasksOverdueAtEnd: 1,
      caseByCase: { cases: 1, amount: 15000 },
    });
    expect(body.towns.map((t: { town: string }) => t.town)).toEqual([TOWN_A, '西河镇']);
    for (const who of ['admin', 'cwA', 'ops'] as const) {
      expect((await get('/reports/stats?period=2023-03-28', who)).statusCode).toBe(403);
    }
    const bad = await get('/reports/stats?period=2023-03-15');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(bad.json().error.message).toContain('YYYY-MM-14 or YYYY-MM-28');
    expect(
      (await api.app.inject({ method: 'GET', url: '/reports/stats?period=2023-03-28' })).statusCode,
    ).toBe(401);
  });

  it('exports the table as CSV and XLSX', async () => {
    const csv = await get('/reports/stats.csv?period=2023-03-14');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="stats-2023-03-14.csv"');
    expect(csv.body.startsWith('\uFEFF社会救助扩围增效工作统计表\r\n统计期: 2023-03-01 至 2023-03-14')).toBe(
      true,
    );
    const xlsx = await get('/reports/stats.xlsx?period=2023-03-14');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets[0]!.getCell('A6').value).toBe('合计');
  });

  it('writes the monthly report as Markdown', async () => {
    const res = await get('/reports/monthly?month=2023-03&largeAid=1000');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(res.body).toContain('工作落实情况报告 (2023年3月)');
    expect(res.body).toContain('| 2,000.00 | 2023-03-25 |'); // over the 1,000 asked for
    expect((await get('/reports/monthly?month=2023-13')).statusCode).toBe(400);
  });

  it('masks the platform export for the data administrator, not for a supervisor, and audits both', async () => {
    const masked = await get('/reports/platform-export?period=2023-03-14&format=csv', 'admin');
    expect(masked.statusCode).toBe(200);
    const full = await get('/reports/platform-export?period=2023-03-14', 'supervisor');
    const idOf = (body: string) => body.split('\r\n')[1]!.split(',')[2]!;
    expect(idOf(masked.body)).toMatch(/^\d{6}\*{8}\d{4}$/);
    expect(idOf(full.body)).toMatch(/^\d{18}$/);
    expect(idOf(masked.body).slice(-4)).toBe(idOf(full.body).slice(-4));
    expect((await get('/reports/platform-export?period=2023-03-14', 'cwA')).statusCode).toBe(403);
    const audits = await api.t.ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'subject_id', 'detail'])
      .where('action', '=', 'export.platform')
      .orderBy('id')
      .execute();
    expect(audits).toEqual([
      { actor: 'admin1', subject_id: '2023-03-14', detail: { format: 'csv', rows: 3, fullIds: false } },
      { actor: 'super1', subject_id: '2023-03-14', detail: { format: 'csv', rows: 3, fullIds: true } },
    ]);
  });

  it('answers the outcome feedback as JSON and CSV', async () => {
    const res = await get('/reports/outcomes?by=town&to=2023-03-28');
    expect(res.statusCode).toBe(200);
    expect(res.json().rows[0]).toMatchObject({
      key: String(h.towns.A),
      alerts: 4,
      helped: 3,
      notEligible: 1,
    });
    const csv = await get('/reports/outcomes.csv?by=code');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="outcomes-by-code.csv"');
    expect(csv.body.split('\r\n')[0]).toContain('预警规则');
    expect((await get('/reports/outcomes?by=person')).statusCode).toBe(400);
    const backwards = await get('/reports/outcomes?by=town&from=2023-03-20&to=2023-03-01');
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.code).toBe('REPORT_RANGE_INVALID');
  });
});
