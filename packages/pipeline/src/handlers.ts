// The handler for every queue of the catalogue. Typed against it: a queue without a handler, or
// a handler for the wrong payload, fails typecheck; the runtime also refuses at boot.
import { raiseAlerts } from './alerts/raise-alerts.ts';
import { stageImport } from './imports/stage-import.ts';
import { afterRegisterSnapshot } from './register/after-snapshot.ts';
import { matchChunk } from './match/match-chunk.ts';
import { evaluateChunk } from './rules/evaluate-chunk.ts';
import { runStandardChange } from './rules/standard-change.ts';
import type { Handlers } from './runtime.ts';

export const handlers: Handlers = {
  import: (ctx, payload, job) => stageImport(ctx, payload, job),
  match: (ctx, payload) => matchChunk(ctx, payload),
  evaluate: (ctx, payload) => evaluateChunk(ctx, payload),
  raiseAlerts: (ctx, payload) => raiseAlerts(ctx, payload),
  registerApplied: (ctx, payload) => afterRegisterSnapshot(ctx, payload),
  standardChange: async (ctx, payload) => {
    await runStandardChange(ctx, payload);
  },
};
