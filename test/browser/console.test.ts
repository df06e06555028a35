// The console in a real browser: sign-in, the caseworker's queue and task page (signals explained
// in Chinese, history, masked members), another town's task 未找到, a phone-sized page without
// sideways scrolling, a task worked to closed with an outcome and an amount, a supervisor's
// approval of a case-by-case close, a data administrator's upload and its report, and the review
// list (open counts, row and candidates side by side, an audited reveal, an accept). No page may
// break the CSP. Screenshots go to test/browser/screenshots/ (git-ignored).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { markRegisterApplied } from '@ew/pipeline/imports/imports.fixture';
import { addDelivery, makeId } from '@ew/pipeline/rules/rules.fixture';
import { SCREENSHOTS, startConsoleTest, TOWN_A, TOWN_B, type ConsoleTest } from './console.fixture.ts';

let c: ConsoleTest;
const tasks: Record<'A' | 'A2' | 'A3' | 'B', number> = { A: 0, A2: 0, A3: 0, B: 0 };

beforeAll(async () => {
  c = await startConsoleTest();
  const [a, a2, a3, b] = await c.seedTasks([TOWN_A, TOWN_A, TOWN_A, TOWN_B]);
  Object.assign(tasks, { A: a, A2: a2, A3: a3, B: b });
});
afterAll(async () => {
  await c?.close();
});

/** Collects what the page says about CSP violations and script errors. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return problems;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

/** The open modal dialog. */
const dialog = (page: Page) => page.locator('.ant-modal-wrap:visible [role="dialog"]');

/**
 * Waits for the dialog to open and come to rest: antd zooms it in, and a click sent while it is
 * still growing can land beside its button (seen under load: 「认领」's 确定 clicked, nothing sent).
 * A person clicks what they see; the test waits until what it sees stays put.
 */
async function openDialog(page: Page): Promise<void> {
  await dialog(page).waitFor();
  await expect.poll(async () => (await dialog(page).getAttribute('class')) ?? '').not.toMatch(/ant-zoom/);
}

async function pick(page: Page, label: string, option: string) {
  await dialog(page).getByLabel(label).click();
  await page
    .locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option })
    .first()
    .click();
}

async function act(page: Page, action: string, fill?: () => Promise<void>) {
  await page.getByRole('button', { name: action, exact: true }).click();
  await openDialog(page);
  if (fill) await fill();
  await dialog(page).getByRole('button', { name: '确定' }).click();
  try {
    await dialog(page).waitFor({ state: 'hidden', timeout: 15_000 });
  } catch (error) {
    // say why the dialog stayed: its own text (a validation message) and any toast (the API's answer)
    const inDialog =
      (await dialog(page)
        .textContent()
        .catch(() => null)) ?? '';
    const toasts = await page.locator('.ant-message').allTextContents();
    throw new Error(`「${action}」: the dialog stayed open: ${inDialog} | messages: ${toasts.join(' / ')}`, {
      cause: error,
    });
  }
}

describe.sequential('the console', () => {
  it("signs a caseworker in: their town's queue, in Chinese, and a task page that explains its signal", async () => {
    const { page } = await c.newPage();
    const problems = watch(page);
    await page.goto(c.baseUrl + '/');
    await page.getByLabel('用户名').fill(c.users.cwA.username);
    await page.getByLabel('密码').fill('wrong-password');
    await page.getByRole('button', { name: '登录' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('用户名或密码不正确');

    await c.signIn(page, 'cwA');
    expect(new URL(page.url()).pathname).toBe('/console/queue');
    await page.locator(`[data-task-id="${tasks.A}"]`).waitFor();
    const ids = await page
      .locator('[data-task-id]')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-task-id'))));
    expect(ids.sort()).toEqual([tasks.A, tasks.A2, tasks.A3].sort());
    const card = page.locator(`[data-task-id="${tasks.A}"]`);
    expect(await card.textContent()).toMatch(/高风险.*待受理.*辍学/);
    await shot(page, 'caseworker-queue');

    await card.getByRole('link').click();
    await page.waitForURL(`**/console/tasks/${tasks.A}`);
    const signal = page.locator('[data-signal-code="EDU_DROPOUT"]');
    await signal.waitFor();
    expect(await signal.textContent()).toBe('学籍状态为辍学（第一中学，初中）');
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).toMatch(
      /来源：教育数据 · 数据期 2023-06-30 · 第 \d+ 批导入（education-2023-06-30\.csv） · 第 \d+ 行 · 身份证号比对/,
    );
    expect(body).toMatch(/130802\*{8}\d{3}[\dX]/); // masked ID numbers only
    expect(body).not.toMatch(/130802\d{11}[\dX]/);
    expect(body).toContain('办理记录');
    await shot(page, 'caseworker-task');
    expect(problems).toEqual([]);
  });

  it("shows the household's address, village and members with masked IDs, and reveals one with a reason", async () => {
    const { page } = await c.newPage();
    const problems = watch(page);
    await c.signIn(page, 'cwA', `/console/tasks/${tasks.A}`);
    await page.getByText('家庭成员').waitFor();
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).toContain(`${TOWN_A}东关村1组1号`);
    expect(body).toContain('东关村');
    expect(body).toMatch(/户主.*身份证号 130802\*{8}\d{3}[\dX]/s);
    await page
      .getByRole('button', { name: /查看.*的完整身份证号/ })
      .first()
      .click();
    await openDialog(page);
    await dialog(page).getByLabel('查看原因').fill('入户核对身份');
    await dialog(page).getByRole('button', { name: '查看' }).click();
    await dialog(page).waitFor({ state: 'hidden' });
    expect((await page.locator('main').textContent()) ?? '').toMatch(/130802\d{11}[\dX]/);
    const audited = await c.t.ctx.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('actor', '=', c.users.cwA.username)
      .where('action', 'like', '%reveal%')
      .execute();
    expect(audited).toHaveLength(1);
    expect(problems).toEqual([]);
  });

  it("answers another town's task, opened by its address, with 未找到", async () => {
    const { page } = await c.newPage();
    await c.signIn(page, 'cwA', `/console/tasks/${tasks.B}`);
    await page.getByText('未找到').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/tasks/${tasks.B}`);
  });

  it('shows the task page on a 390 px phone without sideways scrolling', async () => {
    const { page } = await c.newPage({ width: 390, height: 844 });
    const problems = watch(page);
    await c.signIn(page, 'cwA', `/console/tasks/${tasks.A}`);
    await page.locator('[data-signal-code="EDU_DROPOUT"]').waitFor();
    const widths = (await page.evaluate(
      '({ scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: window.innerWidth })',
    )) as { scroll: number; body: number; view: number };
    expect(widths.view).toBe(390);
    expect(widths.scroll).toBeLessThanOrEqual(390);
    expect(widths.body).toBeLessThanOrEqual(390);
    await shot(page, 'task-phone');
    expect(problems).toEqual([]);
  });

  it('works a task from the queue to closed, with an outcome and an amount', async () => {
    const { page } = await c.newPage();
    const problems = watch(page);
    await c.signIn(page, 'cwA');
    await page.locator(`[data-task-id="${tasks.A2}"]`).getByRole('link').click();
    await page.waitForURL(`**/console/tasks/${tasks.A2}`);
    await act(page, '认领');
    await page.getByText('已分办').first().waitFor();
    await act(page, '开始走访');
    await page.getByText('走访核查中').first().waitFor();
    await act(page, '记录走访', async () => {
      await dialog(page).getByLabel('被访人（见到的人）').fill('户主本人');
      await dialog(page).getByLabel('收入核实情况').fill('父亲务工收入不稳定，月收入约 1,800 元');
      await dialog(page).getByLabel('走访记录').fill('孩子已辍学两个月，家长同意返校');
    });
    await page.getByText('孩子已辍学两个月').waitFor();
    await act(page, '办结', async () => {
      await pick(page, '办结结果', '支出型临时救助');
      await dialog(page).getByLabel('救助金额（元）').fill('1234.5');
      await dialog(page).getByLabel('办结说明').fill('发放教育支出型临时救助');
    });
    await page.getByText('已办结').first().waitFor();
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).toContain('支出型临时救助 · ¥1,234.50');
    expect(body).toMatch(/办结.*走访核查中 → 已办结.*结果：支出型临时救助.*金额 ¥1,234.50/s);
    await shot(page, 'caseworker-closed');
    expect(problems).toEqual([]);
  });

  it('lets the supervisor approve a case-by-case close', async () => {
    // the caseworker closes as 一事一议 over the API (bearer token): it waits for approval
    const id = tasks.A3;
    for (const [path, body] of [
      ['claim', {}],
      ['start-visit', {}],
      ['close', { outcome: 'CASE_BY_CASE', aidAmount: 20000, note: '重病，一事一议' }],
    ] as const) {
      const res = await c.call('cwA', 'POST', `/tasks/${id}/${path}`, body);
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
    }
    const { page } = await c.newPage();
    const problems = watch(page);
    await c.signIn(page, 'supervisor');
    await page.getByRole('link', { name: '待审批' }).click();
    await page.locator(`[data-task-id="${id}"]`).getByRole('link').click();
    await page.waitForURL(`**/console/tasks/${id}`);
    await page.getByText('待审批').first().waitFor();
    await act(page, '审批通过', async () => {
      await dialog(page).getByLabel('备注').fill('同意');
    });
    await page.getByText('已办结').first().waitFor();
    expect((await page.locator('main').textContent()) ?? '').toContain('一事一议 · ¥20,000.00');
    await shot(page, 'supervisor-approved');
    expect(problems).toEqual([]);
  });

  it("shows the supervisor the period's statistics table and the outcome feedback, in Chinese", async () => {
    const { page } = await c.newPage();
    const problems = watch(page);
    await c.signIn(page, 'supervisor');
    await page.getByRole('link', { name: '统计报表' }).click();
    await page.waitForURL('**/console/reports');
    await page.getByRole('heading', { name: '社会救助扩围增效工作统计表' }).waitFor();
    // one row per town and the total
    await page.getByRole('cell', { name: '合计' }).first().waitFor();
    const main = (await page.locator('main').textContent()) ?? '';
    for (const text of [TOWN_A, TOWN_B, '比对户数', '新纳入低保边缘', '一事一议', '预警成效', '帮扶率']) {
      expect(main).toContain(text);
    }
    expect(await page.getByRole('link', { name: '下载 Excel' }).getAttribute('href')).toMatch(
      /^\/reports\/stats\.xlsx\?period=\d{4}-\d{2}-(14|28)$/,
    );
    await page.getByRole('img', { name: /各项预警的成效/ }).waitFor();
    await shot(page, 'supervisor-reports');
    expect(problems).toEqual([]);
  });

  it('lets the data administrator upload a feed and read its report', async () => {
    const db = c.t.ctx.database.db;
    // a feed is refused until a register has been applied: the households seeded above stand for one
    await markRegisterApplied(db);
    const head = await db
      .selectFrom('persons')
      .innerJoin('households', 'households.id', 'persons.household_id')
      .select(['persons.id_number', 'persons.name'])
      .where('persons.relation', '=', 'HEAD')
      .orderBy('persons.id')
      .executeTakeFirstOrThrow();
    const csv = [
      '公民身份号码,姓名,业务类型,业务日期,月收入',
      `${head.id_number},${head.name},失业登记,2023-03-01,`,
      `${makeId('1985-02-02')},李四,未知业务,2023-03-01,`, // a word the mapping does not know: rejected
      '',
    ].join('\r\n');
    const { page } = await c.newPage();
    const problems = watch(page);
    await c.signIn(page, 'data');
    expect(new URL(page.url()).pathname).toBe('/console/imports');
    await page.getByLabel('数据来源').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '人社' }).click();
    await page.getByLabel('数据期', { exact: true }).fill('2023-03');
    await page.getByLabel('文件（CSV 或 XLSX）').setInputFiles({
      name: '人社局-202303.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv, 'utf8'),
    });
    await page.getByRole('button', { name: '上传' }).click();
    await page.waitForURL(/\/console\/imports\/\d+$/);
    // the router keeps the old page until the report's chunk is in: wait for the report itself
    const status = page.locator('.ant-card-extra', { hasText: /已完成|已拒收|失败/ });
    await page.getByText(/导入报告 #\d+/).waitFor();
    await status.waitFor({ timeout: 60_000 });
    expect(await status.textContent()).toBe('已完成');
    await shot(page, 'data-admin-report');
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).toContain('人社局-202303.csv');
    expect(body).toMatch(/读取行数\s*2/);
    expect(body).toMatch(/接收\s*1/);
    expect(body).toMatch(/拒收\s*1/);
    expect(body).toContain('拒收明细（1 行）');
    await page.getByRole('link', { name: '下载拒收清单（CSV）' }).waitFor();
    expect(problems).toEqual([]);
  });
  it('lets the data administrator tell review candidates apart, reveal them with a reason and accept one', async () => {
    const db = c.t.ctx.database.db;
    const members = await db
      .selectFrom('persons')
      .innerJoin('households', 'households.id', 'persons.household_id')
      .select(['persons.id', 'persons.id_number', 'persons.name', 'households.household_no'])
      .orderBy('persons.id')
      .limit(2)
      .execute();
    const row = { personId: null, method: 'REVIEW' as const, score: null, payload: {} };
    const { importId } = await addDelivery(db, { feed: 'medical', period: '2023-04-30', rows: [row] });
    await db
      .updateTable('staged_rows')
      .set({ id_status: 'BAD_CHECK_DIGIT', name: '张三丰', birth_date: '1980-01-01' })
      .where('import_id', '=', importId)
      .execute();
    const review = await db
      .insertInto('match_reviews')
      .values({
        import_id: importId,
        row_no: 2,
        kind: 'REVIEW',
        candidates: JSON.stringify(members.map((m) => ({ personId: m.id, score: 0.8, kind: 'ONE_CHAR' }))),
        chosen_person_id: null,
        decided_by: null,
        decided_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    const { page } = await c.newPage();
    const problems = watch(page);
    await c.signIn(page, 'data');
    await page.goto(`${c.baseUrl}/console/reviews`);
    await page.getByText('待处理复核共 1 条').waitFor();
    const table = page.getByRole('table', { name: `复核 ${review.id} 的数据与候选人员对照` });
    await table.waitFor();
    const masked = (await table.textContent()) ?? '';
    expect(masked).toContain(members[0]!.household_no);
    expect(masked).not.toContain(members[0]!.id_number);
    expect(masked).not.toContain('张三丰');
    await shot(page, 'data-admin-reviews');

    await page.getByRole('button', { name: '查看完整信息' }).click();
    await openDialog(page);
    await dialog(page).getByLabel('查看原因').fill('区分同名人员');
    await dialog(page).getByRole('button', { name: '查看' }).click();
    await dialog(page).waitFor({ state: 'hidden' });
    await table.getByText(members[0]!.id_number).waitFor();
    expect(await table.textContent()).toContain('张三丰');
    const audited = await db
      .selectFrom('audit_log')
      .select(['actor', 'detail'])
      .where('action', '=', 'review.reveal')
      .execute();
    expect(audited).toMatchObject([{ actor: 'data', detail: { reason: '区分同名人员' } }]);

    await table.getByRole('button', { name: '确认为此人' }).first().click();
    await page.getByText('没有符合条件的复核记录').waitFor();
    const decided = await db
      .selectFrom('match_reviews')
      .select(['status', 'chosen_person_id'])
      .where('id', '=', review.id)
      .executeTakeFirstOrThrow();
    expect(decided).toEqual({ status: 'ACCEPTED', chosen_person_id: members[0]!.id });
    expect(problems).toEqual([]);
  });
});
