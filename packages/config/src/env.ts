// Process environment, parsed once per service with zod into one typed, frozen `Env`.
//
// Usage in a service entry point (services/*/src/main.ts):
//
//   import { exitOnEnvError, loadEnv } from '@ew/config';
//   const env = exitOnEnvError(() => loadEnv());   // prints every bad variable, exits 1
//
// then pass `env` (or the parts a module needs) down explicitly; nothing else reads process.env.
//
// A bad value throws `EnvError`, whose message names every bad variable and why. Values of
// secret-bearing variables (DATABASE_URL, REDIS_URL, ID_HASH_KEY) are never echoed — not in the
// message and not in a `cause` — because that message ends up in container logs.
import { z } from 'zod';
import { repoRoot, resolveFromRoot } from './root.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Variables whose value may carry a secret; their values never appear in an error. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(['DATABASE_URL', 'REDIS_URL', 'ID_HASH_KEY']);

/** Minimum length of ID_HASH_KEY: the ID space is small, so the key is the only protection. */
export const ID_HASH_KEY_MIN_LENGTH = 32;

function isUrlWith(value: string, protocols: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (!protocols.includes(url.protocol)) return false;
  // `postgres:///db?host=/var/run/postgresql` (Unix socket) has no hostname but a host parameter.
  return url.hostname !== '' || url.searchParams.has('host');
}

const urlOf = (protocols: readonly string[], what: string) =>
  z.string().refine((v) => isUrlWith(v, protocols), {
    message: `must be a ${what} URL (${protocols.map((p) => `${p}//`).join(' or ')}user:password@host:port/...)`,
  });

/** A decimal integer in [min, max], given as a string ("3000"; not "3e3", "0x10" or "12abc"). */
const intString = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `must be an integer from ${min} to ${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be an integer from ${min} to ${max}` });

// queue names are camelCase (raiseAlerts, registerApplied, standardChange)
const QUEUE_NAME = /^[a-zA-Z][a-zA-Z0-9_-]*$/;

/** `all`, or a comma-separated list of queue names (checked against the catalogue by the worker). */
const workerQueues = z.string().transform((raw, ctx): 'all' | readonly string[] => {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 1 && items[0]?.toLowerCase() === 'all') return 'all';
  const bad = items.filter((s) => !QUEUE_NAME.test(s));
  if (items.length === 0 || bad.length > 0 || items.some((s) => s.toLowerCase() === 'all')) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be `all` or a comma-separated list of queue names (lowercase letters, digits, - and _)',
    });
    return z.NEVER;
  }
  return [...new Set(items)];
});

const envSchema = z.object({
  DATABASE_URL: urlOf(['postgres:', 'postgresql:'], 'postgres').default(
    'postgres://postgres@127.0.0.1:5432/early_warning',
  ),
  REDIS_URL: urlOf(['redis:', 'rediss:'], 'redis').default('redis://127.0.0.1:6379'),
  /** BullMQ `prefix` (never ioredis keyPrefix). `{ew}` style hash tags are allowed for Redis Cluster. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.{}-]+$/, { message: 'must be letters, digits, _ . - { } only (no `:` or spaces)' })
    .default('ew'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** Deployment config YAML; relative paths are resolved against the repository root. */
  DEPLOYMENT_CONFIG: z.string().default('infra/config/deployment.yaml'),
  /** Directory of feed column mappings; relative to the repository root unless absolute. */
  FEEDS_DIR: z.string().default('infra/feeds'),
  /** Where uploaded/imported files are kept (shared by api and worker); relative to the root. */
  FILE_STORE_DIR: z.string().default('.data/files'),
  API_HOST: z.string().default('0.0.0.0'),
  API_PORT: intString(1, 65535).default(3000),
  WORKER_QUEUES: workerQueues.default('all'),
  /** The worker's /livez, /readyz and /metrics port; 0 = no HTTP server. */
  WORKER_HTTP_PORT: intString(0, 65535).default(3001),
  /**
   * Jobs each queue of this replica runs at once. Unset: per queue, as the queue catalogue says
   * (raiseAlerts 2, every other queue 1).
   */
  // empty counts as unset (docker compose passes `${WORKER_CONCURRENCY:-}` through)
  WORKER_CONCURRENCY: z.preprocess((v) => (v === '' ? undefined : v), intString(1, 1000).optional()),
  /**
   * How long a running job's lock lasts without renewal (ms; renewed every half of it). A worker
   * that dies holds its job this long, plus up to WORKER_STALLED_CHECK_MS, before another takes
   * it over. Every handler is idempotent, so a lock lost to a long pause costs repeated work only.
   */
  WORKER_LOCK_MS: intString(1000, 600_000).default(30_000),
  /** Rows per match and evaluate job (one chunk of a delivery); unset: 50,000. */
  PIPELINE_CHUNK_ROWS: intString(100, 10_000_000).optional(),
  /** How often a worker looks for jobs whose lock expired (stalled) (ms). */
  WORKER_STALLED_CHECK_MS: intString(500, 600_000).default(15_000),
  /**
   * How often the outbox relay asks Redis for the jobs it dispatched that no worker has finished,
   * and sends again under the same job id those Redis no longer holds (a restart without
   * persistence, a flush) (ms). It also does so on every reconnect to Redis.
   */
  OUTBOX_RECONCILE_MS: intString(1000, 3_600_000).default(30_000),
  /** HMAC key for pseudonymised ID numbers (domain §8); held outside the database. Optional. */
  ID_HASH_KEY: z
    .string()
    .min(ID_HASH_KEY_MIN_LENGTH, {
      message: `must be at least ${ID_HASH_KEY_MIN_LENGTH} characters (a random secret, e.g. \`openssl rand -hex 32\`)`,
    })
    .optional(),
  /** Run pending migrations when the service starts (`z.stringbool()`: "false"/"0"/"no"/"off" are false). */
  MIGRATE_ON_START: z.stringbool().default(true),
  /** Mark the API's session cookie Secure although the API itself speaks plain http (behind a TLS proxy). */
  COOKIE_SECURE: z.stringbool().default(false),
  /** Let the API's queue board (/admin/queues, ADMIN and OPS) act on jobs; read-only by default. */
  QUEUE_BOARD_WRITABLE: z.stringbool().default(false),
  /**
   * Memory (MiB) the API may keep built queue and task pages in, each re-sent only while nothing it
   * shows has changed (services/api read-cache.ts); 0 turns it off.
   */
  API_READ_CACHE_MB: intString(0, 4096).default(64),
});

type ParsedEnv = z.output<typeof envSchema>;

export type Env = Readonly<
  ParsedEnv & {
    /** Repository root used to resolve the relative paths below. */
    APP_ROOT: string;
  }
>;

/** The names of all variables `loadEnv` reads. */
export const ENV_VARIABLES: readonly string[] = Object.freeze([...Object.keys(envSchema.shape), 'APP_ROOT']);

export interface EnvProblem {
  variable: string;
  message: string;
}

/** A bad environment. `message` lists every bad variable; secret values are never included. */
export class EnvError extends Error {
  readonly code = 'ENV_INVALID';
  readonly problems: readonly EnvProblem[];

  constructor(problems: readonly EnvProblem[]) {
    super(
      `Invalid environment (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n'),
    );
    this.name = 'EnvError';
    this.problems = problems;
  }
}

function shown(variable: string, value: string | undefined): string {
  if (value === undefined || SECRET_VARIABLES.has(variable)) return '';
  const clipped = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return ` (got ${JSON.stringify(clipped)})`;
}

/**
 * Parses the environment. Empty (or blank) strings count as unset (docker compose's `${VAR:-}`), so the
 * default applies. Relative paths come back absolute, resolved against the repository root.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = source[key];
    if (value === undefined || value.trim() === '') continue;
    // Surrounding blanks are dropped, except from the HMAC key, which must stay byte-exact.
    input[key] = key === 'ID_HASH_KEY' ? value : value.trim();
  }

  // reportInput stays off: zod issues then carry no copy of the value.
  const result = envSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '(environment)');
      return { variable, message: issue.message + shown(variable, input[variable]) };
    });
    throw new EnvError(problems);
  }

  const parsed = result.data;
  const paths = ['DEPLOYMENT_CONFIG', 'FEEDS_DIR', 'FILE_STORE_DIR'] as const;
  let root: string;
  try {
    root = repoRoot(source);
  } catch (err) {
    throw new EnvError([{ variable: 'APP_ROOT', message: (err as Error).message }]);
  }
  const resolved = Object.fromEntries(paths.map((k) => [k, resolveFromRoot(root, parsed[k])]));
  return Object.freeze({ ...parsed, ...resolved, APP_ROOT: root });
}

/**
 * Runs `fn` (typically `() => loadEnv()`); on an `EnvError` prints its message to stderr and
 * exits with status 1. Other errors are rethrown.
 */
export function exitOnEnvError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** A URL safe to log: the password (if any) replaced by `***`. Unparseable input gives `<invalid url>`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
