import { DomainError } from '@ew/core';

/**
 * - `VALIDATION_FAILED` a bad username or an empty display name
 * - `USERNAME_TAKEN`    the username exists
 * - `TOWN_REQUIRED`     a caseworker needs a town
 * - `TOWN_UNKNOWN`      no town of that name (towns come from the register)
 * - `NOT_FOUND`         no such user
 */
export type AccountErrorCode =
  'VALIDATION_FAILED' | 'USERNAME_TAKEN' | 'TOWN_REQUIRED' | 'TOWN_UNKNOWN' | 'NOT_FOUND';

export class AccountError extends DomainError<AccountErrorCode> {}
