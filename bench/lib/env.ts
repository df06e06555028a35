// Where the bench lives, and the machine's state while it runs: every result records the load
// average, because this 2-core machine is shared (tests of other engineers run meanwhile) and
// a timing is only as good as the load it was taken under.
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(BENCH_DIR);
export const CACHE_DIR = join(BENCH_DIR, '.cache');

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Admin connection the bench derives its own database URLs from (DATABASE_URL's server). */
export function serverUrl(): string {
  return process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
}
export function redisUrl(): string {
  return process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
}

export function databaseUrl(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export interface LoadRecord {
  /** os.loadavg() [1, 5, 15 min] when the measurement started and ended. */
  start: number[];
  end: number[];
  /** Highest 1-minute load average sampled during the measurement. */
  max1m: number;
  /**
   * The whole machine's CPU time over the measurement (/proc/stat; null where there is none):
   * busy = user + nice + system + irq + softirq of every core (workers, Postgres, the bench and
   * anything else running); steal = time the hypervisor gave our virtual cores to someone else;
   * available = wall seconds × cores. Less noisy than wall time when comparing changes, and it
   * shows whether the cores were saturated.
   */
  cpu: CpuRecord | null;
}

export interface CpuRecord {
  busy_seconds: number;
  steal_seconds: number;
  available_seconds: number;
}

/** Cumulative jiffies of /proc/stat's aggregate `cpu` line: [busy, steal, all]. */
function cpuJiffies(): [number, number, number] | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = user + nice + system + irq + softirq;
    return [busy, steal, busy + idle + iowait + steal];
  } catch {
    return null;
  }
}

/** Jiffies per second (USER_HZ): 100 on the Linux kernels the bench runs on. */
const USER_HZ = 100;

/** Samples the 1-minute load average every second until `done()`; CPU time from start to end. */
export function trackLoad(): { done(): LoadRecord } {
  const start = loadavg().map(round2);
  const cpuStart = cpuJiffies();
  let max1m = start[0] ?? 0;
  const timer = setInterval(() => (max1m = Math.max(max1m, loadavg()[0] ?? 0)), 1000);
  timer.unref();
  return {
    done() {
      clearInterval(timer);
      const end = loadavg().map(round2);
      const cpuEnd = cpuJiffies();
      const cpu =
        cpuStart === null || cpuEnd === null
          ? null
          : {
              busy_seconds: round2((cpuEnd[0] - cpuStart[0]) / USER_HZ),
              steal_seconds: round2((cpuEnd[1] - cpuStart[1]) / USER_HZ),
              available_seconds: round2((cpuEnd[2] - cpuStart[2]) / USER_HZ),
            };
      return { start, end, max1m: round2(Math.max(max1m, end[0] ?? 0)), cpu };
    },
  };
}

export function machine(): Record<string, unknown> {
  return { cpus: cpus().length, memory_gb: round2(totalmem() / 2 ** 30), node: process.version };
}

export const round2 = (n: number): number => Math.round(n * 100) / 100;
export const round3 = (n: number): number => Math.round(n * 1000) / 1000;
