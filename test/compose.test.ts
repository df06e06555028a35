// docker-compose.yml and infra/Dockerfile, checked by parsing: the development machines have no
// Docker engine, so this is how the deployment files are tested here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { JOB_LOCK_MS } from '@ew/pipeline/runtime';
import { SHUTDOWN_TIMEOUT_MS } from '../services/api/src/shutdown.ts';
import { WORKER_SHUTDOWN_TIMEOUT_MS } from '../services/worker/src/shutdown.ts';

const root = join(import.meta.dirname, '..');
const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');

interface Service {
  image?: string;
  command?: string[];
  restart?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  container_name?: string;
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  profiles?: string[];
  logging?: { driver: string; options: Record<string, string> };
}
// merge keys (<<: *app) as Compose applies them
const compose = parse(text, { merge: true }) as {
  version?: string;
  name?: string;
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const { services } = compose;

/** Compose durations as used here: `90s`, `2m`, `1m30s`. */
function seconds(duration: string | undefined): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration ?? '');
  if (!m || duration === '') throw new Error(`not a duration: ${duration}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

describe('docker-compose.yml', () => {
  it('loads in Compose v1 as well as v2: a version key, no top-level name', () => {
    expect(compose.version).toMatch(/^3\.\d+$/);
    expect(compose).not.toHaveProperty('name');
  });

  it('every long-running service has a healthcheck and a restart policy', () => {
    for (const name of ['postgres', 'redis', 'api', 'worker']) {
      const service = services[name]!;
      expect(service.healthcheck?.test.length, name).toBeGreaterThan(0);
      expect(service.restart, name).toBe('unless-stopped');
    }
    expect(services.migrate!.restart).toBe('no');
    expect(services.api!.healthcheck!.test.join(' ')).toContain('/readyz');
    expect(services.worker!.healthcheck!.test.join(' ')).toContain(
      `:${services.worker!.environment!.WORKER_HTTP_PORT}/readyz`,
    );
  });

  it('services wait for what they need to be healthy (or, for migrate, done)', () => {
    expect(services.migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const name of ['api', 'worker', 'cli']) {
      expect(services[name]!.depends_on, name).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
    // every dependency names a service that exists
    for (const service of Object.values(services)) {
      for (const dep of Object.keys(service.depends_on ?? {})) expect(services).toHaveProperty(dep);
    }
  });

  it('Redis persists (AOF) and never evicts, under a memory cap', () => {
    const command = services.redis!.command!;
    const arg = (flag: string) => command[command.indexOf(flag) + 1];
    expect(command[0]).toBe('redis-server');
    expect(arg('--appendonly')).toBe('yes');
    expect(arg('--maxmemory-policy')).toBe('noeviction');
    expect(arg('--maxmemory')).toMatch(/^\$\{REDIS_MAXMEMORY:-\d+[kmg]b\}$/);
    expect(services.redis!.volumes).toContain('redisdata:/data');
  });

  it('stop grace periods outlast the longest job and the API drain', () => {
    expect(WORKER_SHUTDOWN_TIMEOUT_MS).toBeGreaterThanOrEqual(JOB_LOCK_MS);
    expect(seconds(services.worker!.stop_grace_period) * 1000).toBeGreaterThan(WORKER_SHUTDOWN_TIMEOUT_MS);
    expect(seconds(services.api!.stop_grace_period) * 1000).toBeGreaterThan(SHUTDOWN_TIMEOUT_MS);
    expect(seconds(services.postgres!.stop_grace_period)).toBeGreaterThanOrEqual(30);
  });

  it('the worker can be scaled and its queues chosen', () => {
    const worker = services.worker!;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(worker.environment!.WORKER_QUEUES).toBe('${WORKER_QUEUES:-all}');
  });

  it('Postgres data and the file store live in named volumes', () => {
    expect(services.postgres!.volumes).toContain('pgdata:/var/lib/postgresql/data');
    for (const name of ['api', 'worker', 'cli'])
      expect(services[name]!.volumes, name).toContain('files:/data/files');
    expect(Object.keys(compose.volumes).sort()).toEqual(['files', 'pgdata', 'redisdata']);
  });

  it('container logs rotate', () => {
    for (const name of ['postgres', 'redis', 'api', 'worker']) {
      const logging = services[name]!.logging!;
      expect(logging.driver, name).toBe('json-file');
      expect(logging.options['max-size'], name).toMatch(/^\d+m$/);
      expect(Number(logging.options['max-file']), name).toBeGreaterThan(1);
    }
  });
});

describe('infra/Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'infra/Dockerfile'), 'utf8');

  it('builds without BuildKit: no syntax directive, no RUN --mount', () => {
    expect(dockerfile).not.toMatch(/^#\s*syntax=/m);
    expect(dockerfile).not.toMatch(/^RUN\b.*--mount/m);
  });

  it('copies the manifest of every workspace project (else the frozen install fails)', () => {
    const workspace = parse(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')) as {
      packages: string[];
    };
    const copied = new Set([...dockerfile.matchAll(/^COPY (\S+)\/package\.json /gm)].map((m) => m[1]));
    // the patterns are `dir/*` or a plain directory
    const projects = workspace.packages.flatMap((pattern) =>
      pattern.endsWith('/*')
        ? readdirSync(join(root, pattern.slice(0, -2))).map((d) => `${pattern.slice(0, -2)}/${d}`)
        : [pattern],
    );
    const withManifest = projects.filter((p) => existsSync(join(root, p, 'package.json')));
    expect(withManifest.length).toBeGreaterThan(5);
    for (const project of withManifest) expect(copied, project).toContain(project);
  });
});
