// @ew/observability: what the API and the worker report about themselves — readiness checks,
// Prometheus metric definitions, and the small HTTP server a worker answers probes on.
export * from './checks.ts';
export * from './metrics.ts';
export * from './probe-server.ts';
