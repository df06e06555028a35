export * from './schema.ts';
export * from './connection.ts';
export * from './migrate.ts';
export * from './copy.ts';
export * from './read-changes.ts';
