// @ew/reports: the statistics table of a reporting period (domain §6), its CSV and XLSX, the
// monthly work report, the provincial platform export and the outcome feedback (§7).
export * from './period.ts';
export * from './labels.ts';
export * from './stats.ts';
