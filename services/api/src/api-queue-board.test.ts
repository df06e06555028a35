// The queue board (bull-board) at /admin/queues: ADMIN and OPS only (session or bearer token),
// read-only unless the app is built writable, its page loadable under its CSP. Real Redis: the
// board reads the catalogue's queues through the API's producer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRole } from '@ew/db';
import { createUser } from '@ew/accounts';
import { QUEUE_NAMES } from '@ew/queue';
import { bearer, startApiTest, TEST_OPERATOR, TOWN_A, type ApiTest } from './api.fixture.ts';
import { queueBoardCsp } from './routes/queue-board.ts';
import { CONTENT_SECURITY_POLICY } from './security.ts';

let api: ApiTest;
beforeAll(async () => {
  api = await startApiTest();
});
afterAll(async () => {
  await api?.close();
});

const PASSWORD = 'correct horse battery';

async function sessionOf(username: string, role: UserRole): Promise<{ cookie: string; csrf: string }> {
  await createUser(
    api.t.ctx.database.db,
    {
      username,
      displayName: username,
      role,
      password: PASSWORD,
      ...(role === 'CASEWORKER' ? { townName: TOWN_A } : {}),
    },
    TEST_OPERATOR,
  );
  const res = await api.app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { username, password: PASSWORD },
  });
  expect(res.statusCode).toBe(200);
  return {
    cookie: `ew_session=${res.cookies.find((c) => c.name === 'ew_session')!.value}`,
    csrf: res.json<{ user: { csrfToken: string } }>().user.csrfToken,
  };
}

describe('queue board', () => {
  it('lets ADMIN and OPS in, by bearer token or session; refuses other roles (403) and nobody (401)', async () => {
    const sessions = {
      ADMIN: await sessionOf('qb-admin', 'ADMIN'),
      OPS: await sessionOf('qb-ops', 'OPS'),
      SUPERVISOR: await sessionOf('qb-super', 'SUPERVISOR'),
      CASEWORKER: await sessionOf('qb-cw', 'CASEWORKER'),
      DATA_ADMIN: await sessionOf('qb-data', 'DATA_ADMIN'),
    };
    const get = (url: string, headers: Record<string, string>) =>
      api.app.inject({ method: 'GET', url, headers });
    for (const url of ['/admin/queues', '/admin/queues/api/queues']) {
      for (const [who, headers] of [
        ['sysadmin token', bearer(api.tokens.sysadmin)],
        ['ops token', bearer(api.tokens.ops)],
        ['ADMIN session', { cookie: sessions.ADMIN.cookie }],
        ['OPS session', { cookie: sessions.OPS.cookie }],
      ] as const) {
        expect({ url, who, status: (await get(url, headers)).statusCode }).toEqual({ url, who, status: 200 });
      }
      for (const [who, headers] of [
        ['supervisor token', bearer(api.tokens.supervisor)],
        ['data admin token', bearer(api.tokens.admin)],
        ['caseworker token', bearer(api.tokens.cwA)],
        ['SUPERVISOR session', { cookie: sessions.SUPERVISOR.cookie }],
        ['CASEWORKER session', { cookie: sessions.CASEWORKER.cookie }],
        ['DATA_ADMIN session', { cookie: sessions.DATA_ADMIN.cookie }],
      ] as const) {
        const res = await get(url, headers);
        expect({ url, who, status: res.statusCode }).toEqual({ url, who, status: 403 });
        expect(res.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
      }
      const anonymous = await get(url, {});
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    }
    // the static files too: nothing of the board is served to anyone else
    expect((await get('/admin/queues/static/images/logo.svg', {})).statusCode).toBe(401);
    expect((await get('/admin/queues/static/images/logo.svg', bearer(api.tokens.ops))).statusCode).toBe(200);
  });

  it('shows the catalogue queues, read-only: bull-board says so and a pause is refused (403)', async () => {
    const res = await api.app.inject({
      method: 'GET',
      url: '/admin/queues/api/queues',
      headers: bearer(api.tokens.ops),
    });
    const queues = res.json<{ queues: Array<{ name: string; readOnlyMode: boolean }> }>().queues;
    expect(queues.map((q) => q.name).sort()).toEqual([...QUEUE_NAMES].sort());
    expect(queues.every((q) => q.readOnlyMode)).toBe(true);

    const queue = QUEUE_NAMES[0];
    const pause = await api.app.inject({
      method: 'PUT',
      url: `/admin/queues/api/queues/${queue}/pause`,
      headers: bearer(api.tokens.ops),
    });
    expect(pause.statusCode).toBe(403);
    expect(pause.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(
      await api.app
        .inject({
          method: 'PUT',
          url: '/admin/queues/api/queues/pause',
          headers: bearer(api.tokens.sysadmin),
        })
        .then((r) => r.statusCode),
    ).toBe(403);
  });

  it('when writable, acts with a bearer token, and with a session only with its CSRF token (X-XSRF-TOKEN)', async () => {
    const writable = await api.another({ queueBoardWritable: true });
    const queue = QUEUE_NAMES[0];
    const pauseUrl = `/admin/queues/api/queues/${queue}/pause`;
    const resumeUrl = `/admin/queues/api/queues/${queue}/resume`;
    const session = await sessionOf('qb-ops-w', 'OPS');

    const page = await writable.inject({
      method: 'GET',
      url: '/admin/queues',
      headers: { cookie: session.cookie },
    });
    expect(page.statusCode).toBe(200);
    const xsrf = page.cookies.find((c) => c.name === 'XSRF-TOKEN');
    expect(xsrf).toMatchObject({ value: session.csrf, path: '/admin/queues', sameSite: 'Strict' });

    const noToken = await writable.inject({
      method: 'PUT',
      url: pauseUrl,
      headers: { cookie: session.cookie },
    });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json()).toMatchObject({ error: { code: 'CSRF_FAILED' } });
    expect(
      await api.app
        .inject({ method: 'GET', url: '/admin/queues/api/queues', headers: bearer(api.tokens.ops) })
        .then(
          (r) =>
            r
              .json<{ queues: Array<{ name: string; isPaused: boolean }> }>()
              .queues.find((q) => q.name === queue)!.isPaused,
        ),
    ).toBe(false);

    const paused = await writable.inject({
      method: 'PUT',
      url: pauseUrl,
      headers: { cookie: session.cookie, 'x-xsrf-token': session.csrf },
    });
    expect(paused.statusCode).toBe(200);
    const isPaused = async () =>
      (
        await writable.inject({
          method: 'GET',
          url: '/admin/queues/api/queues',
          headers: bearer(api.tokens.ops),
        })
      )
        .json<{ queues: Array<{ name: string; isPaused: boolean; readOnlyMode: boolean }> }>()
        .queues.find((q) => q.name === queue)!;
    expect(await isPaused()).toMatchObject({ isPaused: true, readOnlyMode: false });
    expect(
      (await writable.inject({ method: 'PUT', url: resumeUrl, headers: bearer(api.tokens.sysadmin) }))
        .statusCode,
    ).toBe(200);
    expect(await isPaused()).toMatchObject({ isPaused: false });
  });

  it('serves its page under a CSP it can load with: no inline script, its files from this origin', async () => {
    const res = await api.app.inject({
      method: 'GET',
      url: '/admin/queues',
      headers: bearer(api.tokens.ops),
    });
    const policy = queueBoardCsp(CONTENT_SECURITY_POLICY);
    expect(res.headers['content-security-policy']).toBe(policy);
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("base-uri 'self'");
    const html = res.body;
    expect(html).toContain('<base href="/admin/queues/"');
    // every <script> is either a file of the board or a JSON block (never executed)
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(1);
    for (const attrs of scripts)
      expect(attrs).toMatch(/src="static\/js\/[^"]+\.js"|type="application\/json"/);
    for (const src of [...html.matchAll(/src="(static\/js\/[^"]+)"/g)].map((m) => m[1]!)) {
      const file = await api.app.inject({
        method: 'GET',
        url: `/admin/queues/${src}`,
        headers: bearer(api.tokens.ops),
      });
      expect({ src, status: file.statusCode }).toEqual({ src, status: 200 });
    }
    // the rest of the API keeps its own policy
    const me = await api.app.inject({ method: 'GET', url: '/me', headers: bearer(api.tokens.ops) });
    expect(me.headers['content-security-policy']).toContain("base-uri 'none'");

    // a deployment's own policy (ApiOptions.contentSecurityPolicy) is the board's too, with its one change
    const strict = await api.another({
      contentSecurityPolicy: { ...CONTENT_SECURITY_POLICY, 'img-src': ["'self'"] },
    });
    const board = await strict.inject({
      method: 'GET',
      url: '/admin/queues',
      headers: bearer(api.tokens.ops),
    });
    expect(board.headers['content-security-policy']).toContain("img-src 'self';");
    expect(board.headers['content-security-policy']).toContain("base-uri 'self'");
  });
});
