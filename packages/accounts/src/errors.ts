import { DomainError } from '@ew/core';

/**
 * - `VALIDATION_FAILED` a bad username, an empty display name or a password against the policy
 * - `USERNAME_TAKEN`    the username exists
 * - `TOWN_REQUIRED`     a caseworker needs a town
 * - `TOWN_UNKNOWN`      no town of that name (towns come from the register)
 * - `NOT_FOUND`         no such user
 * - `LOGIN_FAILED`      wrong username or password (the same for both; also a deactivated user)
 * - `LOGIN_THROTTLED`   too many failed sign-ins for the username lately
 */
export type AccountErrorCode =
  | 'VALIDATION_FAILED'
  | 'USERNAME_TAKEN'
  | 'TOWN_REQUIRED'
  | 'TOWN_UNKNOWN'
  | 'NOT_FOUND'
  | 'LOGIN_FAILED'
  | 'LOGIN_THROTTLED';

export class AccountError extends DomainError<AccountErrorCode> {}
