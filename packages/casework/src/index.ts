// @ew/casework: the task workflow of domain §5 — the one transition table, the town scope, the
// queue, a task's detail, actions, hand-opened cases (一门受理), reveals and the overdue step.
export * from './actions.ts';
export * from './actor.ts';
export * from './detail.ts';
export * from './errors.ts';
export * from './inputs.ts';
export * from './labels.ts';
export * from './open-case.ts';
export * from './overdue.ts';
export * from './queue.ts';
export * from './reveal.ts';
export * from './time.ts';
export * from './workflow.ts';
