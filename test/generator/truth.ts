// Ground truth: one JSON line per data row (`truth/<feed>.jsonl`) and per-feed counts.

export const EXPECTED = ['id', 'fallback', 'review', 'conflict', 'outside', 'unmatched', 'reject'] as const;
export type Expected = (typeof EXPECTED)[number];

export type Canon = string | number | boolean | null;

export interface TruthLine {
  /** Spreadsheet line number: header = 1, first data row = 2. */
  row: number;
  expected: Expected;
  /** The true person's 18-digit ID (a register person, or someone outside the register). */
  personId: string | null;
  /** Whether the true person is in the register. */
  inRegister: boolean;
  rejectReason: string | null;
  noise: string[];
  duplicateOf: number | null;
  /** Clean canonical values of the row's fields (mapping target names), as the department meant them. */
  values: Record<string, Canon>;
  /** Rule edges deliberately planted in this row (e.g. `HR_UNEMPLOYED:edge-90`). */
  plants: string[];
  /** For `conflict`: the register person whose ID was written. */
  conflictWith?: string;
  /** For namesake `review`: every register person with the same name, birth date and gender. */
  candidates?: string[];
}

export class FeedStats {
  rows = 0;
  readonly expected: Record<string, number> = Object.fromEntries(EXPECTED.map((e) => [e, 0]));
  readonly rejectReasons: Record<string, number> = {};
  readonly noise: Record<string, number> = {};
  readonly plants: Record<string, number> = {};

  add(line: TruthLine): void {
    this.rows++;
    this.expected[line.expected] = (this.expected[line.expected] ?? 0) + 1;
    if (line.rejectReason !== null)
      this.rejectReasons[line.rejectReason] = (this.rejectReasons[line.rejectReason] ?? 0) + 1;
    for (const n of line.noise) this.noise[n] = (this.noise[n] ?? 0) + 1;
    for (const p of line.plants) this.plants[p] = (this.plants[p] ?? 0) + 1;
  }

  toJSON(): object {
    return {
      rows: this.rows,
      expected: this.expected,
      rejectReasons: sortKeys(this.rejectReasons),
      noise: sortKeys(this.noise),
      plants: sortKeys(this.plants),
    };
  }
}

export function sortKeys(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
