// Prometheus metrics of the API: the process's default metrics, the pipeline gauges read from
// Postgres and the queue depth from Redis, all defined in @ew/observability (the worker serves
// the same ones, plus its job durations and failures).
import type { Registry } from 'prom-client';
import type { Logger } from '@ew/config';
import type { Database } from '@ew/db';
import { createRegistry, registerPipelineGauges, registerQueueGauges } from '@ew/observability';
import type { Producer } from './queues.ts';

export function createMetrics(options: { db: Database; producer: Producer; logger: Logger }): Registry {
  const register = createRegistry();
  registerPipelineGauges(register, options.db);
  registerQueueGauges(register, { jobCounts: () => options.producer.jobCounts(), logger: options.logger });
  return register;
}
