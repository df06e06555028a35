// @ew/core: pure domain functions (no I/O) shared by ingest, matching, rules and reporting.
export * from './id-number.ts';
export * from './name.ts';
export * from './date.ts';
export * from './amount.ts';
export * from './domain-error.ts';
export * from './csv.ts';
