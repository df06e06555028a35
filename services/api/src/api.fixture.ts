// Test helpers for the API tests (not a test file): an app on a fresh test database with one user
// per role, and a multipart body builder for `inject`.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { UserRole } from '@ew/db';
import { createTestApp, type TestApp } from '../../../test/harness/app.ts';
import { API_PREPARED_STATEMENTS, buildApp, type ApiOptions } from './app.ts';
import { createUser } from '@ew/accounts';

export const TOWN_A = '城关镇';
export const TOWN_B = '西河镇';

/** `admin` is the data administrator (DATA_ADMIN); `sysadmin` the ADMIN of users and the audit log. */
export type Who = 'admin' | 'sysadmin' | 'supervisor' | 'ops' | 'cwA' | 'cwA2' | 'cwB';

/** Who the fixture's own writes are audited as. */
export const TEST_OPERATOR = { actor: 'test', actorUserId: null };

export interface ApiTest {
  t: TestApp;
  app: FastifyInstance;
  tokens: Record<Who, string>;
  towns: { A: number; B: number };
  /** Another app on the same context (other options); closed with the test. */
  another(options: Partial<ApiOptions>): Promise<FastifyInstance>;
  close(): Promise<void>;
}

export async function startApiTest(options: Partial<ApiOptions> = {}): Promise<ApiTest> {
  // the pool as the API's own: named prepared statements
  const t = await createTestApp({ preparedStatements: API_PREPARED_STATEMENTS });
  const db = t.ctx.database.db;
  const towns = await db
    .insertInto('towns')
    .values([{ name: TOWN_A }, { name: TOWN_B }])
    .returning(['id', 'name'])
    .execute();
  const townId = (name: string) => towns.find((x) => x.name === name)!.id;
  const make = async (username: string, role: UserRole, townName?: string) => {
    const { token } = await createUser(
      db,
      { username, displayName: username, role, ...(townName ? { townName } : {}), token: true },
      TEST_OPERATOR,
    );
    return token!;
  };
  const tokens: Record<Who, string> = {
    admin: await make('admin1', 'DATA_ADMIN'),
    sysadmin: await make('sysadmin1', 'ADMIN'),
    supervisor: await make('super1', 'SUPERVISOR'),
    ops: await make('ops1', 'OPS'),
    cwA: await make('cw-a', 'CASEWORKER', TOWN_A),
    cwA2: await make('cw-a2', 'CASEWORKER', TOWN_A),
    cwB: await make('cw-b', 'CASEWORKER', TOWN_B),
  };
  const apps: FastifyInstance[] = [];
  const another = async (more: Partial<ApiOptions>) => {
    const app = await buildApp({
      ctx: t.ctx,
      redisUrl: t.redisUrl,
      queuePrefix: t.queuePrefix,
      ...options,
      ...more,
    });
    apps.push(app);
    await app.ready();
    return app;
  };
  const app = await another({});
  return {
    t,
    app,
    tokens,
    towns: { A: townId(TOWN_A), B: townId(TOWN_B) },
    another,
    close: async () => {
      for (const a of apps) await a.close();
      await t.close();
    },
  };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** A multipart/form-data body: the fields, then the file (if any). */
export function multipart(
  fields: Record<string, string>,
  file?: { name: string; content: string | Buffer; field?: string },
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----ew${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  if (file) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.name}"\r\n` +
          'Content-Type: text/csv\r\n\r\n',
      ),
      Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}
