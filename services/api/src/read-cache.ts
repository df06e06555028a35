// Built read responses kept and sent again while nothing they show has changed — the queue page and
// the task page, which caseworkers open far more often than anything in them changes.
//
// Before using a kept response, one short statement asks Postgres whether a change to its town (or
// to any town) has committed since the snapshot taken before it was built (@ew/db read-changes.ts:
// statement-level triggers note every write to the tables these pages read, whoever writes —
// the API, the worker, the CLI, psql). So a page is never older than the last committed write: a
// caseworker who just claimed a task sees it claimed, and so does their colleague. What changes
// with time alone (a deadline passing, midnight for ages) ends a kept page at that moment
// (`expiresAt`); nothing is kept longer than READ_BASIS_MAX_AGE_MS.
//
// Keys hold the user's id: a response is only ever sent again to the user it was built for, after
// the same sign-in check as every request (a deactivated user is refused at once). Only successful
// responses are kept. Per process, in memory, bounded in bytes (least recently used go first).
// At 1M tasks, 50 connections: the queue page 808 → ~3,800 req/s, p95 86 → ~20 ms (bench api).
import type { FastifyReply } from 'fastify';
import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';
import { READ_BASIS_MAX_AGE_MS, readSnapshot, type Database, type ReadBasis } from '@ew/db';

export interface Built {
  /** The response body (serialised here as fastify would: JSON.stringify). */
  value: unknown;
  /** The town whose changes make it untrue (null: a change in any town does). */
  townId: number | null;
  /** When it turns untrue with time alone, if it does (asked only when the response is kept). */
  expiresAt: () => Date | null | Promise<Date | null>;
}

interface Kept {
  body: Buffer;
  basis: ReadBasis;
  /** epoch ms */
  expiresAt: number;
}

/** A kept response's bytes counted against the limit: its body, its key and what the map costs. */
const sizeOf = (kept: Kept, key: string) => kept.body.length + key.length * 2 + 200;

export interface ReadCache {
  /**
   * Sends the response kept under `key` if it is still true, else builds it with `build`, sends
   * it and keeps it. `route` labels the metric.
   */
  respond(
    reply: FastifyReply,
    route: string,
    key: string,
    build: () => Promise<Built>,
  ): Promise<FastifyReply>;
}

export function createReadCache(options: { db: Database; maxBytes: number; metrics: Registry }): ReadCache {
  const { db, maxBytes } = options;
  const counter = new Counter({
    name: 'ew_api_read_cache_total',
    help: 'Queue and task pages: sent again as kept (hit), built anew because something changed or time passed (stale), or built for the first time (miss)',
    labelNames: ['route', 'result'] as const,
    registers: [options.metrics],
  });
  const send = (reply: FastifyReply, body: Buffer) =>
    reply.type('application/json; charset=utf-8').send(body);

  if (maxBytes === 0) {
    return {
      async respond(reply, route, _key, build) {
        counter.inc({ route, result: 'miss' });
        return send(reply, Buffer.from(JSON.stringify((await build()).value)));
      },
    };
  }

  const entries = new LRUCache<string, Kept>({ maxSize: maxBytes, sizeCalculation: sizeOf });
  return {
    async respond(reply, route, key, build) {
      const now = Date.now();
      const kept = entries.get(key);
      const usable = kept !== undefined && now < kept.expiresAt ? kept : undefined;
      // the snapshot before building: a change committed after it makes what is built untrue
      const { snapshot, changed } = await readSnapshot(db, usable?.basis ?? null);
      if (usable !== undefined && !changed) {
        counter.inc({ route, result: 'hit' });
        return send(reply, usable.body);
      }
      counter.inc({ route, result: kept === undefined ? 'miss' : 'stale' });
      const built = await build();
      const body = Buffer.from(JSON.stringify(built.value));
      const expiresAt = Math.min(
        now + READ_BASIS_MAX_AGE_MS,
        (await built.expiresAt())?.getTime() ?? Infinity,
      );
      entries.set(key, { body, basis: { snapshot, townId: built.townId }, expiresAt });
      return send(reply, body);
    },
  };
}
