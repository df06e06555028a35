import { DomainError } from '@ew/core';

/**
 * - `NOT_FOUND`              no such task — or one of another town (never 403 then)
 * - `FORBIDDEN`              the caller may not take this action on this task
 * - `TRANSITION_NOT_ALLOWED` the task's state does not allow the action
 * - `TASK_STALE`             the caller acted on an older version of the task
 * - `VALIDATION_FAILED`      the action's input does not fit it (amount, target town, assignee …)
 * - `AMOUNT_NEEDS_CASE_BY_CASE` temporary aid at or above the case-by-case amount
 */
export type CaseworkErrorCode =
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'TRANSITION_NOT_ALLOWED'
  | 'TASK_STALE'
  | 'VALIDATION_FAILED'
  | 'AMOUNT_NEEDS_CASE_BY_CASE';

export class CaseworkError extends DomainError<CaseworkErrorCode> {}
