// How long the worker lets its running jobs finish on SIGTERM before it exits anyway: the job lock
// (JOB_LOCK_MS), after which BullMQ would hand the job to another worker in any case.
// docker-compose.yml gives the worker container a longer stop_grace_period (test/compose.test.ts).
import { JOB_LOCK_MS } from '@ew/pipeline/runtime';

export const WORKER_SHUTDOWN_TIMEOUT_MS = JOB_LOCK_MS;
