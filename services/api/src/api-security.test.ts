// Security headers on every response (helmet, one CSP from security.ts), and oversized JSON
// bodies refused with PAYLOAD_TOO_LARGE. Real Postgres and Redis behind the app.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markRegisterApplied } from '@ew/pipeline/imports/imports.fixture';
import { bearer, startApiTest, type ApiTest } from './api.fixture.ts';

let api: ApiTest;
beforeAll(async () => {
  api = await startApiTest();
  await markRegisterApplied(api.t.ctx.database.db); // a feed is refused until a register is loaded
});
afterAll(async () => {
  await api?.close();
});

function expectSecurityHeaders(headers: Record<string, unknown>, what: string): void {
  const csp = String(headers['content-security-policy'] ?? '');
  // the console's pages carry a stricter policy of their own (nothing by default, a nonce for styles)
  expect(csp, what).toMatch(/default-src '(self|none)'/);
  expect(csp, what).toContain("script-src 'self'");
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).toContain("object-src 'none'");
  // no inline script, no eval; and no upgrade-insecure-requests on a plain-http deployment
  expect(csp.match(/script-src [^;]*/)?.[0], what).not.toMatch(/unsafe-inline|unsafe-eval/);
  expect(csp, what).not.toContain('upgrade-insecure-requests');
  expect(headers['x-content-type-options'], what).toBe('nosniff');
  expect(headers['x-frame-options'], what).toBe('DENY');
  expect(headers['referrer-policy'], what).toBe('no-referrer');
  expect(headers['strict-transport-security'], what).toMatch(/max-age=\d+/);
  expect(headers['cross-origin-opener-policy'], what).toBe('same-origin');
  expect(headers['cross-origin-resource-policy'], what).toBe('same-origin');
  expect(headers['x-powered-by'], what).toBeUndefined();
}

describe('security headers', () => {
  it('are on every response: pages, JSON, errors, 404s, probes and metrics', async () => {
    const cases: Array<[string, string, Record<string, string>, number]> = [
      ['GET', '/', {}, 200],
      ['GET', '/console/queue', {}, 200],
      ['GET', '/livez', {}, 200],
      ['GET', '/me', bearer(api.tokens.ops), 200],
      ['GET', '/metrics', bearer(api.tokens.ops), 200],
      ['GET', '/tasks', {}, 401],
      ['GET', '/tasks', bearer(api.tokens.ops), 403],
      ['GET', '/no-such-route', {}, 404],
    ];
    for (const [method, url, headers, status] of cases) {
      const res = await api.app.inject({ method: method as 'GET', url, headers });
      expect({ url, status: res.statusCode }).toEqual({ url, status });
      expectSecurityHeaders(res.headers, `${method} ${url}`);
      expect(res.headers['cache-control'], url).toBe('no-store');
    }
  });

  it('take the CSP from the app options when a deployment sets one', async () => {
    const app = await api.another({
      contentSecurityPolicy: { 'default-src': ["'self'"], 'img-src': ['https://tiles.example'] },
    });
    const res = await app.inject({ method: 'GET', url: '/livez' });
    expect(res.headers['content-security-policy']).toBe("default-src 'self';img-src https://tiles.example");
  });
});

describe('body limits', () => {
  it('refuses a JSON body over 1 MiB with PAYLOAD_TOO_LARGE (413), headers included', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/reviews/1/decision',
      headers: { ...bearer(api.tokens.admin), 'content-type': 'application/json' },
      payload: JSON.stringify({ reject: true, pad: 'x'.repeat(1024 * 1024 + 1) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expectSecurityHeaders(res.headers, 'a 413');
  });
});
