export * from './catalogue.ts';
export * from './connection.ts';
export * from './outbox.ts';
export * from './counts.ts';
