// @ew/ingest: readers for departmental extracts — encoding detection, CSV/XLSX streams, column
// mappings, header resolution and row validation. No database access.
export * from './errors.ts';
export * from './mapping.ts';
export * from './encoding.ts';
export * from './table.ts';
export * from './csv-reader.ts';
export * from './xlsx-reader.ts';
export * from './file-reader.ts';
export * from './headers.ts';
export * from './row-mapper.ts';
export * from './feed-reader.ts';
export { normaliseHeader, headerKey } from './text.ts';
