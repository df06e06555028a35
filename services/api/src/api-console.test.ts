// The console served by the API: index.html with a fresh CSP nonce for every client-side route
// under /console/, hashed assets with a long cache, and never a page where an API route (or an
// unknown API path) should answer.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIST_DIR } from '@ew/console';
import { startApiTest, type ApiTest } from './api.fixture.ts';

let api: ApiTest;
beforeAll(async () => {
  api = await startApiTest();
});
afterAll(async () => {
  await api?.close();
});

describe('console', () => {
  it('serves the app at / and at every client route, with a strict CSP and a fresh nonce', async () => {
    const pages = await Promise.all(
      ['/', '/console', '/console/tasks/12', '/console/imports/3?x=1'].map((url) =>
        api.app.inject({ method: 'GET', url }),
      ),
    );
    const nonces = new Set<string>();
    for (const page of pages) {
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeDefined();
      // the page hands the same nonce to antd's style tags, and has no inline script or style
      expect(page.body).toContain(`<meta name="csp-nonce" content="${nonce}"`);
      expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.body).not.toMatch(/<style|\sstyle=/);
      expect(page.headers['cache-control']).toBe('no-store');
      nonces.add(nonce!);
    }
    expect(nonces.size).toBe(pages.length);
  });

  it('serves the hashed assets with a long cache', async () => {
    const files = await readdir(join(CONSOLE_DIST_DIR, 'assets'));
    const script = files.find((f) => f.endsWith('.js'))!;
    const res = await api.app.inject({ method: 'GET', url: `/assets/${script}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toContain('immutable');
    const missing = await api.app.inject({ method: 'GET', url: '/assets/nope.js' });
    expect(missing.statusCode).toBe(404);
  });

  it('never shadows the API: API paths answer JSON, unknown ones the JSON 404', async () => {
    const task = await api.app.inject({ method: 'GET', url: '/tasks/12', headers: { accept: 'text/html' } });
    expect(task.statusCode).toBe(401);
    expect(task.headers['content-type']).toMatch(/json/);
    const unknown = await api.app.inject({ method: 'GET', url: '/queue', headers: { accept: 'text/html' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'not found' } });
  });
});
