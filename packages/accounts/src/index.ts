// @ew/accounts: the people who use the system (users, roles, credentials) and the audit trail of
// what they did (domain §8).
export * from './audit.ts';
export * from './errors.ts';
export * from './tokens.ts';
export * from './users.ts';
