// Alert severity (domain §4): the highest severity of its signals; compound risk (at least
// `compoundMinCodes` distinct codes in the household within `compoundWindowDays`) makes it high;
// a household refused before (PRIOR_REFUSED, 曾申请未通过) raises it one level. Pure functions.
import type { Severity } from '@ew/db';

export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high'];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function maxSeverity(...all: readonly Severity[]): Severity {
  let best: Severity = 'low';
  for (const s of all) if (severityRank(s) > severityRank(best)) best = s;
  return best;
}

/** low → medium → high → high. */
export function raiseOneLevel(s: Severity): Severity {
  return SEVERITIES[Math.min(severityRank(s) + 1, SEVERITIES.length - 1)] ?? 'high';
}

/** Why an alert has its severity; stored as alerts.severity_basis and shown by explainAlert. */
export interface SeverityBasis {
  /** Highest severity among the alert's signals. */
  base: Severity;
  /** Set when compound risk applied: the distinct codes within the window. */
  compound: { codes: string[]; windowDays: number; minCodes: number } | null;
  /** Set when the household was refused before (PRIOR_REFUSED): raised one level. */
  priorRefused: { refusedOn: string | null } | null;
  /** An open alert never goes down: the severity it had before, when that was higher. */
  keptFrom: Severity | null;
  final: Severity;
}

export interface SeverityInput {
  signalSeverities: readonly Severity[];
  /** Distinct signal codes of the household within the compound window. */
  codesInWindow: readonly string[];
  refusedBefore: boolean;
  refusedOn: string | null;
  compoundWindowDays: number;
  compoundMinCodes: number;
  /** The severity an open alert has already (it never goes down while open). */
  current?: Severity | null;
}

export function alertSeverity(input: SeverityInput): SeverityBasis {
  const base = maxSeverity(...input.signalSeverities);
  const codes = [...new Set(input.codesInWindow)].sort();
  const compound =
    codes.length >= input.compoundMinCodes
      ? { codes, windowDays: input.compoundWindowDays, minCodes: input.compoundMinCodes }
      : null;
  let severity: Severity = compound ? 'high' : base;
  const priorRefused = input.refusedBefore ? { refusedOn: input.refusedOn } : null;
  if (priorRefused) severity = raiseOneLevel(severity);
  const current = input.current ?? null;
  const keptFrom = current !== null && severityRank(current) > severityRank(severity) ? current : null;
  return { base, compound, priorRefused, keptFrom, final: keptFrom ?? severity };
}
