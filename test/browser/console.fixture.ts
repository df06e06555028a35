// The browser tests' world: the real API (buildApp) listening on a free port against a fresh test
// database, with the pipeline running in-process (uploads become imports, reports, alerts), users
// with passwords, tasks seeded through the rules, and Debian's chromium driven by playwright-core.
//
// Until the session routes of the contract exist (POST /auth/login, /auth/logout, GET /me with a
// CSRF token) a browser context signs in through a stand-in kept here, in the test: it answers
// those three in the browser and sends the signed-in user's bearer token with every other request.
// It switches itself off once the API has POST /auth/login.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createUser } from '@ew/accounts';
import { buildApp } from '@ew/api/app';
import type { UserRole } from '@ew/db';
import { handlers } from '@ew/pipeline/handlers';
import { startRuntime, type Runtime } from '@ew/pipeline/runtime';
import { addDelivery, addHousehold, evaluateDelivery } from '@ew/pipeline/rules/rules.fixture';
import { QUEUE_NAMES } from '@ew/queue';
import { createTestApp, type TestApp } from '../harness/app.ts';

export const TOWN_A = '城关镇';
export const TOWN_B = '西河镇';
export const PASSWORD = 'Test-password-2023';
export const SCREENSHOTS = join(import.meta.dirname, 'screenshots');

/** What chromium is started with (Debian's build; no sandbox inside a container). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface TestUser {
  id: number;
  username: string;
  displayName: string;
  role: UserRole;
  townId: number | null;
  town: string | null;
  token: string;
}

export type Who = 'cwA' | 'cwB' | 'supervisor' | 'data';

export interface ConsoleTest {
  t: TestApp;
  app: Awaited<ReturnType<typeof buildApp>>;
  baseUrl: string;
  browser: Browser;
  users: Record<Who, TestUser>;
  towns: { A: number; B: number };
  /** True while the API has no session routes and the stand-in signs browsers in. */
  shim: boolean;
  /** A new browser context (own cookies) with a page; `viewport` defaults to 1280×900. */
  newPage(viewport?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }>;
  /** Opens the console and signs `who` in with their password. */
  signIn(page: Page, who: Who, path?: string): Promise<void>;
  /** An API call as `who` with their bearer token (no CSRF needed). */
  call(
    who: Who,
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
  ): Promise<{ status: number; body: unknown }>;
  /** A household with a dropped-out pupil in each town named: one EDU_DROPOUT alert and NEW task each (their ids). */
  seedTasks(towns: string[]): Promise<number[]>;
  close(): Promise<void>;
}

export async function startConsoleTest(): Promise<ConsoleTest> {
  const t = await createTestApp();
  const db = t.ctx.database.db;
  const towns = await db
    .insertInto('towns')
    .values([{ name: TOWN_A }, { name: TOWN_B }])
    .returning(['id', 'name'])
    .execute();
  const townOf = (name: string) => towns.find((x) => x.name === name)!;

  const make = async (
    username: string,
    displayName: string,
    role: UserRole,
    town?: string,
  ): Promise<TestUser> => {
    // a password to sign in with, and a bearer token for the test's own API calls
    const created = await createUser(
      db,
      { username, displayName, role, password: PASSWORD, token: true, ...(town ? { townName: town } : {}) },
      { actor: 'test', actorUserId: null },
    );
    if (created.token === null) throw new Error('createUser gave no token');
    const row = await db
      .selectFrom('users')
      .select('id')
      .where('username', '=', username)
      .executeTakeFirstOrThrow();
    return {
      id: row.id,
      username,
      displayName,
      role,
      townId: town ? townOf(town).id : null,
      town: town ?? null,
      token: created.token,
    };
  };
  const users: Record<Who, TestUser> = {
    cwA: await make('cw-a', `${TOWN_A}经办人`, 'CASEWORKER', TOWN_A),
    cwB: await make('cw-b', `${TOWN_B}经办人`, 'CASEWORKER', TOWN_B),
    supervisor: await make('super', '区局督办', 'SUPERVISOR'),
    data: await make('data', '数据管理员', 'DATA_ADMIN'),
  };

  const app = await buildApp({ ctx: t.ctx, redisUrl: t.redisUrl, queuePrefix: t.queuePrefix });
  const shim = !app.hasRoute({ method: 'POST', url: '/auth/login' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const runtime: Runtime = startRuntime(t.ctx, {
    redisUrl: t.redisUrl,
    prefix: t.queuePrefix,
    consume: QUEUE_NAMES.filter((q) => q !== 'registerApplied'),
    handlers,
    relayIntervalMs: 200,
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
  await mkdir(SCREENSHOTS, { recursive: true });

  const contexts: BrowserContext[] = [];
  const newPage = async (viewport = { width: 1280, height: 900 }) => {
    const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    contexts.push(context);
    if (shim) await installSessionStandIn(context, baseUrl, users);
    const page = await context.newPage();
    return { context, page };
  };

  const signIn = async (page: Page, who: Who, path = '/') => {
    await page.goto(baseUrl + path);
    await page.getByLabel('用户名').fill(users[who].username);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('button', { name: '退出登录' }).waitFor();
  };

  const call = async (who: Who, method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${users[who].token}` },
      ...(payload ? { payload } : {}),
    });
    return { status: res.statusCode, body: res.json() as unknown };
  };

  const seedTasks = async (townNames: string[]) => {
    const households = [];
    for (const [i, town] of townNames.entries()) {
      const h = await addHousehold(db, { town, income: 1800, members: ['1980-01-01', '2009-05-05'] });
      await db
        .updateTable('households')
        .set({ village: `东关村`, address: `${town}东关村${i + 1}组${i + 1}号` })
        .where('id', '=', h.householdId)
        .execute();
      households.push(h);
    }
    // one education delivery: a dropped-out pupil in each household
    const payload = {
      school: '第一中学',
      stage: 'JUNIOR',
      status: 'DROPPED_OUT',
      annual_fees: null,
      aid_received: null,
    };
    const { importId } = await addDelivery(db, {
      feed: 'education',
      period: '2023-06-30',
      rows: households.map((h) => ({ personId: h.personIds[1]!, payload })),
    });
    await evaluateDelivery(t.ctx, importId);
    const tasks = [];
    for (const h of households) {
      const task = await db
        .selectFrom('tasks')
        .select('id')
        .where('household_id', '=', h.householdId)
        .executeTakeFirstOrThrow();
      tasks.push(task.id);
    }
    return tasks;
  };

  return {
    t,
    app,
    baseUrl,
    browser,
    users,
    towns: { A: townOf(TOWN_A).id, B: townOf(TOWN_B).id },
    shim,
    newPage,
    signIn,
    call,
    seedTasks,
    close: async () => {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await runtime.close();
      await app.close();
      await t.close();
    },
  };
}

/** The stand-in for the contract's session routes (see the top of the file). */
async function installSessionStandIn(
  context: BrowserContext,
  baseUrl: string,
  users: Record<Who, TestUser>,
): Promise<void> {
  let current: TestUser | null = null;
  const me = (u: TestUser) => ({
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    townId: u.townId,
    town: u.town,
    csrfToken: 'stand-in',
  });
  const unauthenticated = { status: 401, json: { error: { code: 'UNAUTHENTICATED', message: 'sign in' } } };
  await context.route(
    (url) => url.origin === baseUrl,
    async (route) => {
      const request = route.request();
      const path = new URL(request.url()).pathname;
      if (path === '/auth/login' && request.method() === 'POST') {
        const { username, password } = request.postDataJSON() as { username: string; password: string };
        const user = Object.values(users).find((u) => u.username === username);
        if (user === undefined || password !== PASSWORD) {
          return route.fulfill({
            status: 401,
            json: { error: { code: 'LOGIN_FAILED', message: 'wrong username or password' } },
          });
        }
        current = user;
        return route.fulfill({ status: 200, json: { user: me(user) } });
      }
      if (path === '/auth/logout' && request.method() === 'POST') {
        current = null;
        return route.fulfill({ status: 204, body: '' });
      }
      if (path === '/me')
        return current === null ? route.fulfill(unauthenticated) : route.fulfill({ json: me(current) });
      if (current === null) return route.continue();
      return route.continue({ headers: { ...request.headers(), authorization: `Bearer ${current.token}` } });
    },
  );
}
