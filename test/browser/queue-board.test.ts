// The queue board (bull-board, /admin/queues) in a real browser: an OPS user signed in on the
// console follows its menu item 队列监控 and sees every catalogue queue, under the board's CSP (services/api/src/routes/
// queue-board.ts) with no refused script or style of its own.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '@ew/accounts';
import { QUEUE_NAMES } from '@ew/queue';
import { PASSWORD, SCREENSHOTS, startConsoleTest, type ConsoleTest } from './console.fixture.ts';

let c: ConsoleTest;
beforeAll(async () => {
  c = await startConsoleTest();
  await createUser(
    c.t.ctx.database.db,
    { username: 'ops-board', displayName: '运维', role: 'OPS', password: PASSWORD },
    { actor: 'test', actorUserId: null },
  );
});
afterAll(async () => {
  await c?.close();
});

describe('the queue board', () => {
  it('loads for a signed-in OPS user and lists the catalogue queues, read-only, within its CSP', async () => {
    const { page } = await c.newPage();
    const refused: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
        refused.push(m.text());
    });
    page.on('pageerror', (e) => refused.push(e.message));
    // signed in on the console's page, then its menu item 队列监控
    await page.goto(c.baseUrl + '/');
    await page.getByLabel('用户名').fill('ops-board');
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('link', { name: '队列监控' }).click();
    await page.waitForURL('**/admin/queues');
    for (const name of QUEUE_NAMES) await page.getByText(name, { exact: true }).first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'queue-board.png'), fullPage: true });
    // its only refusal is the Google Fonts stylesheet its page links to: nothing leaves this origin
    expect(refused.filter((r) => !r.includes('fonts.googleapis.com'))).toEqual([]);
  });
});
