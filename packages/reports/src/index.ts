// @ew/reports: the statistics table of a reporting period (domain §6), its CSV and XLSX, the
// monthly work report, the provincial platform export, the outcome feedback (§7) and the
// scheduled filing of each ended period.
export * from './period.ts';
export * from './labels.ts';
export * from './stats.ts';
export * from './stats-export.ts';
export * from './cases.ts';
export * from './monthly.ts';
export * from './outcomes.ts';
export * from './platform.ts';
export * from './report-runs.ts';
