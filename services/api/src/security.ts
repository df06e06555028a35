// Security headers on every API response (@fastify/helmet), and the one Content-Security-Policy
// of the API and the console it serves. Change the policy here, or per deployment through
// ApiOptions.contentSecurityPolicy: no route sets its own, but for the queue board's one change of
// it (routes/queue-board.ts, `base-uri 'self'`), made to the policy in force.
//
// The policy: everything from this origin only; scripts only as files from it (no inline
// script, no eval, no inline event handlers); no plugins, no framing, no <base> rewriting.
// style-src allows inline styles because the current console page carries a <style> block; a
// built console (external CSS) can drop 'unsafe-inline' there.
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

export type CspDirectives = Record<string, string[]>;

export const CONTENT_SECURITY_POLICY: CspDirectives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** The policy as the Content-Security-Policy header says it. */
export function cspHeaderValue(csp: CspDirectives): string {
  return Object.entries(csp)
    .map(([directive, sources]) => `${directive} ${sources.join(' ')}`)
    .join('; ');
}

export async function registerSecurityHeaders(
  app: FastifyInstance,
  csp: CspDirectives = CONTENT_SECURITY_POLICY,
): Promise<void> {
  await app.register(helmet, {
    // not helmet's defaults: its upgrade-insecure-requests would break a deployment served over
    // plain http on the local network (the browser would ask for https subresources)
    contentSecurityPolicy: { useDefaults: false, directives: csp },
    // the console and API share one origin; nothing is meant to be embedded elsewhere
    crossOriginResourcePolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}
