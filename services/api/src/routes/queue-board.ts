// The queue dashboard (bull-board) at /admin/queues, for ADMIN and OPS (a session cookie or a
// bearer token; anyone else 403, nobody 401). Its pages and its own JSON API
// (/admin/queues/api/...) are bull-board's: hidden from the OpenAPI document, which describes our
// API only. The queues are the catalogue's (@ew/queue), through the API's own producer.
//
// Read-only unless QUEUE_BOARD_WRITABLE=true: bull-board then hides its actions, and this module
// refuses every state-changing request to the board (403) whatever bull-board would do. When
// writable, the session's CSRF check still applies: the page sets the cookie XSRF-TOKEN (the
// session's CSRF token, path /admin/queues), which bull-board's HTTP client (axios) echoes as
// `X-XSRF-TOKEN`; that header counts as `x-csrf-token` here, for the board's paths only.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_HEADER, requireRole } from '../auth.ts';
import { ApiError, toApiError, type ErrorBody } from '../errors.ts';
import { cspHeaderValue, type CspDirectives } from '../security.ts';
import type { ApiDeps } from '../app.ts';

export const QUEUE_BOARD_PATH = '/admin/queues';
const XSRF_COOKIE = 'XSRF-TOKEN';
const XSRF_HEADER = 'x-xsrf-token';

/**
 * The API's policy with one change, for the board's paths only: `base-uri 'self'`, because
 * bull-board's page resolves its script and style files against a <base href> (the API's
 * `base-uri 'none'` would break it). Its page has no inline script (its config is a
 * `type="application/json"` block, never executed) and only inline style attributes on the
 * loading placeholder, which the API's `style-src 'unsafe-inline'` already allows. Its Google
 * Fonts stylesheet stays blocked (the UI falls back to local fonts).
 */
export function queueBoardCsp(apiPolicy: CspDirectives): string {
  return cspHeaderValue({ ...apiPolicy, 'base-uri': ["'self'"] });
}

function refuse(reply: FastifyReply, err: unknown): FastifyReply {
  const apiError = toApiError(err);
  const body: ErrorBody = { error: { code: apiError.code, message: apiError.message } };
  return reply.status(apiError.status).send(body);
}

export async function queueBoardRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  writable: boolean,
): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: Object.values(deps.producer.queues).map(
      (queue) => new BullMQAdapter(queue, { readOnlyMode: !writable }),
    ),
    serverAdapter,
    options: { uiConfig: { boardTitle: '队列监控' } },
  });
  const guard = requireRole(deps.db, 'ADMIN', 'OPS');
  const csp = queueBoardCsp(deps.contentSecurityPolicy);

  await app.register(async (scope) => {
    // bull-board answers its own errors; a refusal here keeps the API's error shape
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const xsrf = request.headers[XSRF_HEADER];
      if (writable && request.headers[CSRF_HEADER] === undefined && typeof xsrf === 'string') {
        request.headers[CSRF_HEADER] = xsrf;
      }
      try {
        await guard.call(scope, request, reply);
        if (!writable && !['GET', 'HEAD'].includes(request.method)) {
          throw new ApiError('FORBIDDEN', 'the queue board is read-only (QUEUE_BOARD_WRITABLE=false)');
        }
      } catch (err) {
        return refuse(reply, err);
      }
      if (writable && request.credential?.via === 'session') {
        reply.setCookie(XSRF_COOKIE, request.credential.csrfToken, {
          path: QUEUE_BOARD_PATH,
          sameSite: 'strict',
          secure: deps.cookieSecure || request.protocol === 'https',
          httpOnly: false, // read by the board's script, the same origin only
        });
      }
      return undefined;
    });
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('content-security-policy', csp);
      return payload;
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
  });
}
