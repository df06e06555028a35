// @ew/accounts: the people who use the system (users, roles, passwords, sessions, tokens) and the
// audit trail of what they did (domain §8).
export * from './audit.ts';
export * from './demo-users.ts';
export * from './errors.ts';
export * from './identity.ts';
export * from './passwords.ts';
export * from './reveal.ts';
export * from './sessions.ts';
export * from './signin.ts';
export * from './tokens.ts';
export * from './users.ts';
