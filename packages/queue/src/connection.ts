// Redis connections for BullMQ. Workers block on Redis and must never give up a command
// (maxRetriesPerRequest: null); producers in the API fail fast instead of queueing offline.
import { Redis, type RedisOptions } from 'ioredis';

export function createRedis(url: string, role: 'worker' | 'producer'): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null }
      : { maxRetriesPerRequest: 3, enableOfflineQueue: false, lazyConnect: false };
  return new Redis(url, options);
}
