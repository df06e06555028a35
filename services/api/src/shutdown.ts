// How long the API drains on SIGTERM before it exits anyway. docker-compose.yml gives the api
// container a longer stop_grace_period (test/compose.test.ts checks it).
export const SHUTDOWN_TIMEOUT_MS = 15_000;
