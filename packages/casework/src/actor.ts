// Who is acting, and the ONE place a caseworker's town scope is decided. Every task, alert,
// household and person query of casework takes its scope from `townScope`.
import type { UserRole } from '@ew/db';
import { CaseworkError } from './errors.ts';

export interface Actor {
  id: number;
  username: string;
  role: UserRole;
  /** A caseworker's town; null for roles that span towns. */
  townId: number | null;
}

/** The roles that read tasks: caseworkers their own town, supervisors all towns. */
export const TASK_READERS: readonly UserRole[] = ['CASEWORKER', 'SUPERVISOR'];

/**
 * The town a query is confined to: a caseworker's own town; null (all towns) for a supervisor.
 * Any other role reads no task at all.
 */
export function townScope(actor: Actor): number | null {
  if (actor.role === 'SUPERVISOR') return null;
  if (actor.role === 'CASEWORKER') {
    // the schema requires a town for caseworkers; a missing one must never widen the scope
    if (actor.townId === null) throw new CaseworkError('FORBIDDEN', 'caseworker without a town');
    return actor.townId;
  }
  throw new CaseworkError('FORBIDDEN', `the role ${actor.role} does not work on tasks`);
}

/** True when `actor` may see a task of `townId`. */
export function canSeeTown(actor: Actor, townId: number): boolean {
  const scope = townScope(actor);
  return scope === null || scope === townId;
}
