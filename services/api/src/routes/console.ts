// `GET /` serves the console page, `GET /console.js` its script. Both are public and static: the
// page asks for a token, keeps it in sessionStorage, and calls the API with it.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../app.ts';
import { CONSOLE_HTML, CONSOLE_JS } from './console-assets.ts';

export function consoleRoutes(app: FastifyInstance, _deps: ApiDeps): void {
  app.get('/', async (_request, reply) =>
    reply
      // its Content-Security-Policy and the other security headers: security.ts, on every response
      .header('content-type', 'text/html; charset=utf-8')
      .send(CONSOLE_HTML),
  );
  app.get('/console.js', async (_request, reply) =>
    reply.header('content-type', 'text/javascript; charset=utf-8').send(CONSOLE_JS),
  );
}
