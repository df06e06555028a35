// Flags in, a readable table and a JSON file out.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { BENCH_DIR, ROOT, machine, type LoadRecord } from './env.ts';
import { DEPLOYED_NODE_OPTIONS } from './pipeline.ts';

export class Args {
  constructor(private readonly argv: readonly string[]) {}

  string(name: string, fallback: string): string {
    const i = this.argv.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const v = this.argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
    return v;
  }
  number(name: string, fallback: number): number {
    return toInt(name, this.string(name, String(fallback)));
  }
  /** `--rows 100000,300000,1000000` */
  numbers(name: string, fallback: number): number[] {
    return this.string(name, String(fallback))
      .split(',')
      .map((v) => toInt(name, v));
  }
  flag(name: string): boolean {
    return this.argv.includes(`--${name}`);
  }
  /** --json PATH (relative to where pnpm was run: the repository root), default bench/results-<name>.json. */
  jsonPath(name: string): string {
    const p = this.string('json', join(BENCH_DIR, `results-${name}.json`));
    return isAbsolute(p) ? p : join(process.env['INIT_CWD'] ?? ROOT, p);
  }
}

function toInt(name: string, v: string): number {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: not a positive integer: ${v}`);
  return n;
}

/** The code measured: HEAD and whether product files differed from it (others commit meanwhile). */
const CODE = (() => {
  const git = (...a: string[]) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', 'packages', 'services').split('\n').filter(Boolean);
    return { commit: git('rev-parse', '--short', 'HEAD'), product_files_changed_since_commit: dirty.length };
  } catch {
    return null;
  }
})();

export async function writeJson(path: string, command: string, body: unknown): Promise<void> {
  const doc = {
    command,
    argv: process.argv.slice(2),
    at: new Date().toISOString(),
    code_at_start: CODE,
    machine: machine(),
    worker_node_options: process.env['BENCH_WORKER_NODE_OPTIONS'] ?? DEPLOYED_NODE_OPTIONS,
    ...(body as object),
  };
  await writeFile(path, JSON.stringify(doc, null, 2) + '\n');
  process.stdout.write(`\nwrote ${path}\n`);
}

type Cell = string | number | null | undefined;

/** Prints rows as an aligned table: numbers right-aligned with thousands separators. */
export function printTable(
  title: string,
  header: readonly string[],
  rows: ReadonlyArray<readonly Cell[]>,
): void {
  const fmt = (c: Cell) => (c === null || c === undefined ? '–' : typeof c === 'number' ? fmtNum(c) : c);
  const cells = [header.map(String), ...rows.map((r) => r.map(fmt))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => width(r[i] ?? ''))));
  const numeric = header.map((_, i) =>
    rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined),
  );
  const line = (r: readonly string[]) =>
    r.map((c, i) => (numeric[i] ? pad(c, widths[i]!, true) : pad(c, widths[i]!, false))).join('  ');
  const out = [
    `\n${title}`,
    line(cells[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ];
  process.stdout.write(out.join('\n') + '\n');
}

/** Key/value lines. */
export function printPairs(title: string, pairs: ReadonlyArray<readonly [string, Cell]>): void {
  const w = Math.max(...pairs.map(([k]) => width(k)));
  const out = [
    `\n${title}`,
    ...pairs.map(
      ([k, v]) =>
        `  ${pad(k, w, false)}  ${v === null || v === undefined ? '–' : typeof v === 'number' ? fmtNum(v) : v}`,
    ),
  ];
  process.stdout.write(out.join('\n') + '\n');
}

function fmtNum(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  if (Math.abs(n) < 1) return n.toFixed(3);
  return n.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
}

// CJK characters take two columns in a terminal
const width = (s: string) =>
  [...s].reduce((w, ch) => w + (/[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1), 0);
const pad = (s: string, w: number, right: boolean) =>
  right ? ' '.repeat(w - width(s)) + s : s + ' '.repeat(w - width(s));

export const load = (l: LoadRecord): string =>
  `${l.start.join('/')} → ${l.end.join('/')} (max 1m ${l.max1m})` +
  (l.cpu === null || l.cpu === undefined
    ? ''
    : `; CPU busy ${l.cpu.busy_seconds} s of ${l.cpu.available_seconds} s, steal ${l.cpu.steal_seconds} s`);

/** `{ a: 1, b: 2 }` → `a 1, b 2` (steps, counts per code or method, in insertion order). */
export const keyValues = (values: Readonly<Record<string, unknown>>): string =>
  Object.entries(values)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');

/** A rate as a percentage with three decimals (null stays null). */
export const percent = (v: number | null): string | null => (v === null ? null : `${(v * 100).toFixed(3)} %`);
