// Signing in and out, and who the caller is (contract "Auth").
//
//   POST /auth/login  {username, password} → 200 {user: Me} + cookie ew_session
//   POST /auth/logout → 204, session deleted, cookie cleared
//   GET  /me          → Me = {id, username, displayName, role, townId, town, csrfToken}
//
// The cookie is httpOnly, SameSite=Strict, Path=/, and Secure when COOKIE_SECURE=true or the
// request came over https. It has no Expires: it ends with the browser, and the server ends the
// session after 8 h idle or 24 h in any case. Login is throttled twice: per username in Postgres
// (5 failures in 15 min, across replicas; @ew/accounts signin.ts) and per client address by
// @fastify/rate-limit (this process only).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { signIn, signOut } from '@ew/accounts';
import { authenticate, requireUser, SESSION_COOKIE, sessionTokenOf, userOf, type ApiUser } from '../auth.ts';
import { ApiError, parseInput } from '../errors.ts';
import { routeSchema } from '../openapi.ts';
import type { ApiDeps } from '../app.ts';

const loginBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});

function me(user: ApiUser, csrfToken: string | null) {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    townId: user.townId,
    town: user.town,
    csrfToken,
  };
}

export function authRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db } = deps;
  const cookieOptions = (request: FastifyRequest) =>
    ({
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: deps.cookieSecure || request.protocol === 'https',
    }) as const;
  const clearCookie = (request: FastifyRequest, reply: FastifyReply) =>
    reply.clearCookie(SESSION_COOKIE, cookieOptions(request));

  app.post(
    '/auth/login',
    {
      schema: routeSchema({
        summary: 'Sign in: sets the session cookie',
        tags: ['auth'],
        body: loginBody,
        auth: false,
      }),
      config: { rateLimit: deps.loginRateLimit },
    },
    async (request, reply) => {
      const body = parseInput(loginBody, request.body ?? {}, 'body');
      const previous = sessionTokenOf(request);
      const { user, session } = await signIn(db, { ...body, ip: request.ip });
      // a browser that was signed in as someone else: that session ends here
      if (previous !== undefined) await signOut(db, previous);
      reply.setCookie(SESSION_COOKIE, session.token, cookieOptions(request));
      return { user: me(user, session.csrfToken) };
    },
  );

  app.post(
    '/auth/logout',
    { schema: routeSchema({ summary: 'Sign out: ends the session, clears the cookie', tags: ['auth'] }) },
    async (request, reply) => {
      const token = sessionTokenOf(request);
      if (token !== undefined && request.headers.authorization === undefined) {
        // a live session must show its CSRF token (no cross-site sign-out); an ended one need not
        try {
          await authenticate(db, request);
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 'UNAUTHENTICATED')) throw err;
        }
        await signOut(db, token);
      }
      clearCookie(request, reply);
      return reply.status(204).send();
    },
  );

  app.get(
    '/me',
    {
      onRequest: requireUser(db),
      schema: routeSchema({ summary: 'The caller, with the CSRF token of their session', tags: ['auth'] }),
    },
    async (request) => {
      const credential = request.credential;
      return me(userOf(request), credential?.via === 'session' ? credential.csrfToken : null);
    },
  );
}
