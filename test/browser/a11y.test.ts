// Keyboard usable, labelled fields, readable contrast (issue 12): axe-core's WCAG 2 A and AA rules
// (label, color-contrast, button-name, link-name, aria-*, …) on the sign-in page, a caseworker's
// queue and task page, the supervisor's page and the data administrator's imports page find
// nothing; and a caseworker signs in and opens the first task of their queue by keyboard alone.
//
// axe runs in the page through `page.evaluate` (the DevTools protocol): the console's CSP admits
// no inline script, so a <script> tag with axe's source (addScriptTag) would be refused — as it
// should be.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { PASSWORD, startConsoleTest, TOWN_A, type ConsoleTest } from './console.fixture.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Third-party markup axe flags that is not ours to change: one rule on elements matching one
 * selector, each with why. Every other rule still checks those elements.
 */
const EXCLUDED: ReadonlyArray<{ rule: string; selector: string; why: string }> = [
  {
    rule: 'aria-allowed-attr',
    selector: '.ant-select[aria-required]',
    why:
      "antd 5.29's Form.Item copies aria-required onto its child's root element; for a Select that is " +
      'a plain <div> (no role), where the attribute is not allowed. The combobox inside is the control ' +
      'and is labelled; the Form.Item overwrites any aria-required the Select is given.',
  },
];

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

let c: ConsoleTest;
let firstTask = 0;

beforeAll(async () => {
  c = await startConsoleTest();
  firstTask = (await c.seedTasks([TOWN_A, TOWN_A]))[0]!;
});
afterAll(async () => {
  await c?.close();
});

/** axe's WCAG 2 A/AA violations of the page as it is now, one line per element. */
async function violations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const found = (await page.evaluate(`(async () => {
    const excluded = ${JSON.stringify(EXCLUDED.map(({ rule, selector }) => ({ rule, selector })))};
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      ...v,
      nodes: v.nodes.filter((n) => {
        const el = n.target.length === 1 ? document.querySelector(n.target[0]) : null;
        return !excluded.some((e) => e.rule === v.id && el !== null && el.matches(e.selector));
      }),
    }));
  })()`)) as Violation[];
  return found.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary ?? v.help}`),
  );
}

/** Once `ready` shows and antd's entry animations are over (contrast is measured on the final colours), no violations. */
async function expectClean(page: Page, ready: Locator): Promise<void> {
  await ready.waitFor();
  await page.waitForTimeout(600);
  expect(await violations(page)).toEqual([]);
}

describe.sequential('accessibility', () => {
  it('finds no WCAG 2 A/AA violation on the sign-in page', async () => {
    const { page } = await c.newPage();
    await page.goto(c.baseUrl + '/');
    await expectClean(page, page.getByLabel('用户名'));
  });

  it("finds none on a caseworker's queue and task page", async () => {
    const { page } = await c.newPage();
    await c.signIn(page, 'cwA');
    await expectClean(page, page.locator(`[data-task-id="${firstTask}"]`));
    await page.goto(`${c.baseUrl}/console/tasks/${firstTask}`);
    await expectClean(page, page.locator('[data-signal-code="EDU_DROPOUT"]'));
  });

  it("finds none on the supervisor's page", async () => {
    const { page } = await c.newPage();
    await c.signIn(page, 'supervisor');
    await expectClean(page, page.locator(`[data-task-id="${firstTask}"]`));
  });

  it("finds none on the data administrator's imports page", async () => {
    const { page } = await c.newPage();
    await c.signIn(page, 'data');
    await expectClean(page, page.getByLabel('数据来源'));
  });

  it('signs a caseworker in and opens the first task of the queue by keyboard only', async () => {
    const { page } = await c.newPage();
    await page.goto(c.baseUrl + '/');
    await page.getByLabel('用户名').waitFor();
    const focused = () =>
      page.evaluate(
        '[document.activeElement?.tagName, document.activeElement?.id ?? "", document.activeElement?.getAttribute("href") ?? ""]',
      ) as Promise<[string, string, string]>;
    /** Tab until the focused element satisfies `is` (at most `max` presses). */
    const tabTo = async (is: (f: [string, string, string]) => boolean, max = 40): Promise<void> => {
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        if (is(await focused())) return;
      }
      throw new Error(`no focusable element found by Tab; last: ${JSON.stringify(await focused())}`);
    };
    // the user name field has the focus on arrival (autofocus), or Tab reaches it
    if ((await focused())[1] !== 'username') await tabTo(([, id]) => id === 'username');
    await page.keyboard.type(c.users.cwA.username);
    await page.keyboard.press('Tab');
    expect((await focused())[1]).toBe('password');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: '退出登录' }).waitFor();
    await page.locator(`[data-task-id="${firstTask}"]`).waitFor();
    // the first task's link in the list, reached from the top of the page by Tab alone
    const firstHref = await page.locator('[data-task-id] a').first().getAttribute('href');
    expect(firstHref).toBeTruthy();
    await tabTo(([tag, , href]) => tag === 'A' && href === firstHref, 60);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**${firstHref}`);
    await page.locator('[data-signal-code]').first().waitFor();
  });
});
