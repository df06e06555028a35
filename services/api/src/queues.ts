// The API's side of the queues: it only produces (the worker service consumes). One fail-fast
// Redis connection (no offline queue: a request fails at once when Redis is down rather than
// hanging), a BullMQ Queue per catalogue queue, and the outbox relay.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@ew/config';
import type { Database } from '@ew/db';
import {
  createRedis,
  QUEUE_NAMES,
  readJobCounts,
  relayOutbox,
  type JobCounts,
  type QueueName,
} from '@ew/queue';

export interface Producer {
  redis: Redis;
  queues: Record<QueueName, Queue>;
  /**
   * Moves pending outbox rows to their queues now. Never throws: a row left pending (Redis down)
   * is moved by the next relay pass of any process (the worker relays every second).
   */
  relay(): Promise<{ relayed: number } | { relayed: 0; error: string }>;
  jobCounts(): Promise<JobCounts>;
  /** Resolves once Redis is connected, or after `timeoutMs` (the API starts without Redis too). */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const RELAY_TIMEOUT_MS = 5_000;
const COUNTS_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createProducer(options: {
  redisUrl: string;
  prefix: string;
  db: Database;
  logger: Logger;
}): Producer {
  const redis = createRedis(options.redisUrl, 'producer');
  let lastRedisError = '';
  redis.on('error', (err: Error) => {
    // ioredis retries on its own; log each distinct failure once, not every retry
    if (err.message !== lastRedisError) options.logger.warn({ err }, 'redis connection error');
    lastRedisError = err.message;
  });
  redis.on('ready', () => {
    lastRedisError = '';
  });
  const queues = Object.fromEntries(
    QUEUE_NAMES.map((name) => {
      const queue = new Queue(name, { connection: redis, prefix: options.prefix });
      queue.on('error', (err) => options.logger.warn({ queue: name, err }, 'queue error'));
      return [name, queue];
    }),
  ) as Record<QueueName, Queue>;
  let relaying: Promise<number> | null = null;

  return {
    redis,
    queues,
    relay: async () => {
      try {
        // BullMQ waits for a connection indefinitely: never start a pass while Redis is away
        if (redis.status !== 'ready') throw new Error(`redis ${redis.status}`);
        // one pass at a time per process; callers share the pass in flight
        relaying ??= relayOutbox(options.db, queues).finally(() => {
          relaying = null;
        });
        return { relayed: await withTimeout(relaying, RELAY_TIMEOUT_MS, 'outbox relay') };
      } catch (err) {
        options.logger.warn({ err }, 'outbox relay failed; rows stay pending for the next pass');
        return { relayed: 0, error: 'queue unavailable' };
      }
    },
    jobCounts: async () => {
      if (redis.status !== 'ready') throw new Error(`redis ${redis.status}`);
      return readJobCounts(queues, COUNTS_TIMEOUT_MS);
    },
    ready: (timeoutMs) =>
      new Promise<boolean>((resolve) => {
        if (redis.status === 'ready') return resolve(true);
        const timer = setTimeout(() => {
          redis.off('ready', onReady);
          resolve(false);
        }, timeoutMs);
        timer.unref();
        const onReady = () => {
          clearTimeout(timer);
          resolve(true);
        };
        redis.once('ready', onReady);
      }),
    close: async () => {
      await Promise.all(Object.values(queues).map((q) => q.close()));
      redis.disconnect();
    },
  };
}
