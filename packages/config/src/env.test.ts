import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvError, loadEnv, redactUrl } from './env.ts';
import { repoRoot } from './root.ts';

function envError(source: NodeJS.ProcessEnv): EnvError {
  try {
    loadEnv(source);
  } catch (err) {
    expect(err).toBeInstanceOf(EnvError);
    return err as EnvError;
  }
  throw new Error('expected loadEnv to throw');
}

describe('loadEnv', () => {
  it('applies the defaults and resolves paths against the repository root', () => {
    const env = loadEnv({});
    const root = repoRoot({});
    expect(env).toMatchObject({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/early_warning',
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: 'ew',
      LOG_LEVEL: 'info',
      API_HOST: '0.0.0.0',
      API_PORT: 3000,
      WORKER_QUEUES: 'all',
      MIGRATE_ON_START: true,
      COOKIE_SECURE: false,
      QUEUE_BOARD_WRITABLE: false,
      APP_ROOT: root,
      DEPLOYMENT_CONFIG: join(root, 'infra/config/deployment.yaml'),
      FEEDS_DIR: join(root, 'infra/feeds'),
      FILE_STORE_DIR: join(root, '.data/files'),
    });
    expect(env.ID_HASH_KEY).toBeUndefined();
    expect(env.WORKER_CONCURRENCY).toBeUndefined(); // per queue, from the queue catalogue
    expect(loadEnv({ WORKER_CONCURRENCY: '' }).WORKER_CONCURRENCY).toBeUndefined();
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('uses APP_ROOT when set and keeps absolute paths as given', () => {
    const env = loadEnv({ APP_ROOT: '/app', FEEDS_DIR: '/etc/ew/feeds', FILE_STORE_DIR: 'files' });
    expect(env.APP_ROOT).toBe('/app');
    expect(env.FEEDS_DIR).toBe('/etc/ew/feeds');
    expect(env.FILE_STORE_DIR).toBe('/app/files');
    expect(env.DEPLOYMENT_CONFIG).toBe('/app/infra/config/deployment.yaml');
    expect(isAbsolute(env.DEPLOYMENT_CONFIG)).toBe(true);
  });

  it('treats empty strings as unset', () => {
    const env = loadEnv({ API_PORT: '', ID_HASH_KEY: '', MIGRATE_ON_START: ' ' });
    expect(env.API_PORT).toBe(3000);
    expect(env.ID_HASH_KEY).toBeUndefined();
    expect(env.MIGRATE_ON_START).toBe(true);
  });

  it('reads MIGRATE_ON_START with stringbool: "false" is false', () => {
    expect(loadEnv({ MIGRATE_ON_START: 'false' }).MIGRATE_ON_START).toBe(false);
    expect(loadEnv({ MIGRATE_ON_START: '0' }).MIGRATE_ON_START).toBe(false);
    expect(loadEnv({ MIGRATE_ON_START: 'off' }).MIGRATE_ON_START).toBe(false);
    expect(loadEnv({ MIGRATE_ON_START: 'TRUE' }).MIGRATE_ON_START).toBe(true);
    expect(envError({ MIGRATE_ON_START: 'maybe' }).message).toMatch(/MIGRATE_ON_START: .*"maybe"/);
  });

  it('parses ports, concurrency and worker queues', () => {
    const env = loadEnv({ API_PORT: '8080', WORKER_CONCURRENCY: '4', WORKER_QUEUES: 'import, match,import' });
    expect(env.API_PORT).toBe(8080);
    expect(env.WORKER_CONCURRENCY).toBe(4);
    expect(env.WORKER_QUEUES).toEqual(['import', 'match']);
    expect(loadEnv({ WORKER_QUEUES: 'ALL' }).WORKER_QUEUES).toBe('all');
  });

  it('names every bad variable in one error', () => {
    const err = envError({
      API_PORT: '70000',
      WORKER_CONCURRENCY: '0',
      LOG_LEVEL: 'verbose',
      WORKER_QUEUES: 'import,all',
      QUEUE_PREFIX: 'ew:prod',
    });
    const variables = err.problems.map((p) => p.variable).sort();
    expect(variables).toEqual([
      'API_PORT',
      'LOG_LEVEL',
      'QUEUE_PREFIX',
      'WORKER_CONCURRENCY',
      'WORKER_QUEUES',
    ]);
    expect(err.message).toMatch(/API_PORT: must be an integer from 1 to 65535 \(got "70000"\)/);
    expect(err.message).toMatch(/LOG_LEVEL: .*"verbose"/);
    expect(err.code).toBe('ENV_INVALID');
  });

  it.each(['3e3', '12abc', '-1', '0', '80.5'])('refuses API_PORT=%s', (port) => {
    expect(envError({ API_PORT: port }).problems.map((p) => p.variable)).toEqual(['API_PORT']);
  });

  it.each([
    ['not a url at all p4ssw0rd-SECRET'],
    ['mysql://app:p4ssw0rd-SECRET@db:3306/ew'],
    ['http://app:p4ssw0rd-SECRET@db/ew'],
    ['postgres://app:p4ssw0rd-SECRET@db:99999/ew'],
  ])('refuses a bad DATABASE_URL without echoing it: %s', (url) => {
    const err = envError({ DATABASE_URL: url });
    expect(err.message).toMatch(/DATABASE_URL: must be a postgres URL/);
    expect(err.message).not.toContain('p4ssw0rd');
    expect(JSON.stringify(err.problems)).not.toContain('p4ssw0rd');
    expect(err.cause).toBeUndefined();
  });

  it('refuses a bad REDIS_URL and a short ID_HASH_KEY without echoing either', () => {
    const err = envError({ REDIS_URL: 'tcp://:hunter2-SECRET@redis:6379', ID_HASH_KEY: 'short-SECRET-key' });
    expect(err.problems.map((p) => p.variable).sort()).toEqual(['ID_HASH_KEY', 'REDIS_URL']);
    expect(err.message).toMatch(/REDIS_URL: must be a redis URL/);
    expect(err.message).toMatch(/ID_HASH_KEY: must be at least 32 characters/);
    expect(err.message).not.toContain('SECRET');
    expect(err.message).not.toContain('hunter2');
  });

  it('accepts postgresql:// and rediss:// URLs, a Unix-socket postgres URL and a long hash key', () => {
    const key = 'k'.repeat(32);
    const env = loadEnv({
      DATABASE_URL: 'postgresql://app:pw@db:5432/ew',
      REDIS_URL: 'rediss://:pw@redis:6380/1',
      ID_HASH_KEY: ` ${key} `,
    });
    expect(env.DATABASE_URL).toBe('postgresql://app:pw@db:5432/ew');
    expect(env.ID_HASH_KEY).toBe(` ${key} `); // the key is byte-exact, never trimmed
    expect(loadEnv({ DATABASE_URL: 'postgres:///ew?host=/var/run/postgresql' }).DATABASE_URL).toContain(
      'host=',
    );
  });
});

describe('redactUrl', () => {
  it('hides the password only', () => {
    expect(redactUrl('postgres://app:secret@db:5432/ew')).toBe('postgres://app:***@db:5432/ew');
    expect(redactUrl('redis://redis:6379')).toBe('redis://redis:6379');
    expect(redactUrl('::not a url secret')).toBe('<invalid url>');
  });
});
