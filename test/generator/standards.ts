// Low-income standards (低保标准) per area type with effective dates, and the marginal threshold
// (低保边缘标准 = factor × standard). Used only to plant values around the thresholds.

import { dayOfIso } from './calendar.ts';

export interface StandardVersion {
  readonly effectiveFrom: string;
  readonly URBAN: number;
  readonly RURAL: number;
}

export const DEFAULT_STANDARDS: readonly StandardVersion[] = [
  { effectiveFrom: '2023-01-01', URBAN: 900, RURAL: 700 },
  { effectiveFrom: '2023-07-01', URBAN: 950, RURAL: 750 },
];

export class Standards {
  private readonly versions: { day: number; URBAN: number; RURAL: number }[];

  constructor(
    versions: readonly StandardVersion[] = DEFAULT_STANDARDS,
    readonly marginalFactor = 1.5,
  ) {
    if (versions.length === 0) throw new Error('at least one low-income standard is needed');
    this.versions = versions
      .map((v) => ({ day: dayOfIso(v.effectiveFrom), URBAN: v.URBAN, RURAL: v.RURAL }))
      .sort((a, b) => a.day - b.day);
  }

  private versionAt(day: number): { URBAN: number; RURAL: number } {
    let current = this.versions[0];
    for (const v of this.versions) if (v.day <= day) current = v;
    if (current === undefined) throw new Error('no standard');
    return current;
  }

  /** Monthly standard per person in force on `day` (the earliest one before any version). */
  at(day: number, urban: boolean): number {
    const v = this.versionAt(day);
    return urban ? v.URBAN : v.RURAL;
  }

  marginalAt(day: number, urban: boolean): number {
    return this.at(day, urban) * this.marginalFactor;
  }

  /** The next standard after `day` (the one a raise will bring), or the current one. */
  nextAfter(day: number, urban: boolean): number {
    const later = this.versions.find((v) => v.day > day);
    return later === undefined ? this.at(day, urban) : urban ? later.URBAN : later.RURAL;
  }
}
