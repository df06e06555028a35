// The console (packages/console, a Vite-built React app) from its dist/:
//   GET /assets/*                     the hashed JS and CSS files (@fastify/static, cached for a year)
//   GET /, /console, /console/*       index.html, for every client-side route (the app routes itself)
// The app's own addresses all live under /console/, so the fallback never shadows an API route: an
// unknown API path still answers the JSON 404.
//
// CSP: scripts only from this origin; styles from this origin or a <style> carrying this response's
// nonce — antd writes its CSS-in-JS into style tags, and the page hands them the nonce from its
// <meta name="csp-nonce"> (see packages/console/src/main.tsx). No inline script, no inline style
// attribute in markup, nothing from elsewhere.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CONSOLE_DIST_DIR } from '@ew/console';
import type { ApiDeps } from '../app.ts';

const NONCE_PLACEHOLDER = '__CSP_NONCE__';

export function consoleCsp(nonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "manifest-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const NOT_BUILT = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>工作台未构建</title>
<p>工作台尚未构建：请运行 <code>npx pnpm@12.4.2 build</code>（安装时会自动构建）。</p></html>`;

export async function consoleRoutes(
  app: FastifyInstance,
  _deps: ApiDeps,
  distDir = CONSOLE_DIST_DIR,
): Promise<void> {
  const indexPath = join(distDir, 'index.html');
  const index = existsSync(indexPath) ? readFileSync(indexPath, 'utf8') : null;
  if (index === null) app.log.warn({ distDir }, 'console not built; GET / explains how to build it');
  if (existsSync(join(distDir, 'assets'))) {
    await app.register(fastifyStatic, {
      root: join(distDir, 'assets'),
      prefix: '/assets/',
      // file names carry their content hash
      immutable: true,
      maxAge: '365d',
      index: false,
      dotfiles: 'deny',
      decorateReply: false,
    });
  }

  const page = async (_request: unknown, reply: FastifyReply) => {
    const nonce = randomBytes(16).toString('base64');
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', consoleCsp(nonce))
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .status(index === null ? 503 : 200)
      .send(index === null ? NOT_BUILT : index.replaceAll(NONCE_PLACEHOLDER, nonce));
  };
  app.get('/', page);
  app.get('/console', page);
  app.get('/console/*', page);
}
