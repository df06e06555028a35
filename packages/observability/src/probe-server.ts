// The worker's HTTP face: GET /livez, /readyz and /metrics on its own port (WORKER_HTTP_PORT).
// node:http, not fastify: three fixed routes, no bodies. Not published outside the compose
// network; /metrics carries counts only.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '@ew/config';
import type { Readiness } from './checks.ts';

export interface ProbeServer {
  port: number;
  close(): Promise<void>;
}

export async function startProbeServer(options: {
  port: number;
  host?: string;
  readiness: () => Promise<Readiness>;
  metrics: Registry;
  logger: Logger;
}): Promise<ProbeServer> {
  const { logger } = options;
  const server: Server = createServer((request, response) => {
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    const json = (status: number, body: unknown) =>
      send(status, 'application/json; charset=utf-8', JSON.stringify(body));
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return json(405, { error: 'method not allowed' });
    const answer = async () => {
      if (path === '/livez') return json(200, { status: 'ok' });
      if (path === '/readyz') {
        const ready = await options.readiness();
        return json(ready.status === 'ok' ? 200 : 503, ready);
      }
      if (path === '/metrics') return send(200, options.metrics.contentType, await options.metrics.metrics());
      return json(404, { error: 'not found' });
    };
    answer().catch((err: unknown) => {
      logger.error({ err, path }, 'probe request failed');
      if (!response.headersSent) json(500, { error: 'internal error' });
      else response.destroy();
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
