// Milliseconds per named step of a stage, summed over batches, for the stage's debug log line
// (the bench adds them up per stage: `pnpm bench pipeline` prints where a stage spends its time).
export class StepTimer {
  readonly ms: Record<string, number> = {};
  private mark = performance.now();

  /** Books the time since the previous lap (or construction) to `step`. */
  lap(step: string): void {
    const now = performance.now();
    this.ms[step] = Math.round((this.ms[step] ?? 0) + (now - this.mark));
    this.mark = now;
  }
}
