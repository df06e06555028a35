// Readiness checks shared by the API and the worker (/readyz). Each check answers within
// CHECK_TIMEOUT_MS or fails; the answer names every check, so a probe's log says what is wrong.
import { sql } from 'kysely';
import type { Redis } from 'ioredis';
import { pendingMigrations, type Database } from '@ew/db';

export const CHECK_TIMEOUT_MS = 2_000;

/** What a check found: its value for the report, and whether it stops the service being ready. */
export interface CheckOutcome {
  value: string;
  ok: boolean;
}
export type Check = () => Promise<CheckOutcome>;

export interface Readiness {
  status: 'ok' | 'unavailable';
  /** The checks that failed (absent when none did). */
  failed?: string[];
  checks: Record<string, string>;
}

const OK: CheckOutcome = { value: 'ok', ok: true };

async function withTimeout<T>(what: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([what, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Postgres answers `select 1`. */
export function postgresCheck(db: Database): Check {
  return async () => {
    await sql`select 1`.execute(db);
    return OK;
  };
}

/** Redis answers PING. */
export function redisCheck(redis: Redis): Check {
  return async () => {
    await redis.ping();
    return OK;
  };
}

/**
 * Redis evicts nothing (`maxmemory-policy noeviction`): an evicting Redis silently drops queue
 * state. A Redis whose CONFIG command is disabled or renamed (managed services) answers
 * `unknown`, which does not fail readiness; nor does an unreachable Redis (the PING check fails).
 */
export function redisPolicyCheck(redis: Redis): Check {
  return async () => {
    let reply: unknown;
    try {
      reply = await redis.config('GET', 'maxmemory-policy');
    } catch {
      return { value: 'unknown', ok: true };
    }
    const policy = Array.isArray(reply) ? reply[1] : undefined;
    if (typeof policy !== 'string') return { value: 'unknown', ok: true };
    return { value: policy, ok: policy === 'noeviction' };
  };
}

/** Every migration this code knows has run (`pending` while an upgrade's migrate has not). */
export function migrationsCheck(db: Database): Check {
  return async () => {
    const pending = await pendingMigrations(db);
    return pending.length === 0 ? OK : { value: 'pending', ok: false };
  };
}

/** Runs the checks side by side; a check that throws or times out is `failed`. */
export async function readiness(
  checks: Record<string, Check>,
  logger: { warn(obj: object, msg: string): void },
): Promise<Readiness> {
  const names = Object.keys(checks);
  const settled = await Promise.allSettled(names.map((n) => withTimeout(checks[n]!(), CHECK_TIMEOUT_MS)));
  const report: Record<string, string> = {};
  const failed: string[] = [];
  settled.forEach((result, i) => {
    const name = names[i]!;
    if (result.status === 'fulfilled') {
      report[name] = result.value.value;
      if (!result.value.ok) failed.push(name);
    } else {
      logger.warn({ err: result.reason as unknown, check: name }, 'readiness check failed');
      report[name] = 'failed';
      failed.push(name);
    }
  });
  return failed.length === 0
    ? { status: 'ok', checks: report }
    : { status: 'unavailable', failed, checks: report };
}
