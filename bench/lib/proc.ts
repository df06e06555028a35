// Child processes the bench measures (generator, worker replicas): spawned as plain `node --import
// tsx …` so the pid IS the process doing the work (the `tsx` CLI would put a wrapper process in
// between), with peak memory and CPU read from /proc while they run.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ROOT } from './env.ts';

const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface ProcStats {
  /** Peak resident set of the node process (VmHWM, kernel-kept high-water mark), MB. */
  peakRssMb: number;
  /** Highest sampled RSS of the node process plus its children (esbuild's service), MB. */
  peakTreeRssMb: number;
  /** RSS when the process said it was ready (before any work), MB. */
  readyRssMb: number | null;
  /** user + system CPU seconds of the node process. */
  cpuSeconds: number;
  /** [epoch ms, RSS MB] every sample, to attribute the peak to a stage. */
  timeline: Array<[number, number]>;
}

export interface Tracked {
  pid: number;
  child: ChildProcess;
  stats: ProcStats;
  /** Resolves when a stdout line matches `readyWhen` (or at once when none was given). */
  ready: Promise<void>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Every stdout line, parsed as JSON where it is JSON (pino logs). */
  lines: unknown[];
  stderr: string[];
  /** Stops sampling and the process (SIGTERM, then SIGKILL after 10 s); returns final stats. */
  stop(): Promise<ProcStats>;
}

interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  readyWhen?: (line: unknown) => boolean;
  sampleMs?: number;
  /** Keep parsed stdout lines (worker logs) in memory; off for chatty processes. */
  keepLines?: boolean;
}

/** Spawns `node --import tsx SCRIPT ARGS` from the repository root and samples its memory. */
export function spawnTs(script: string, args: readonly string[], options: SpawnOptions = {}): Tracked {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${script}`);
  const stats: ProcStats = { peakRssMb: 0, peakTreeRssMb: 0, readyRssMb: null, cpuSeconds: 0, timeline: [] };
  const sample = () => {
    const own = readStatus(pid);
    if (!own) return;
    stats.peakRssMb = Math.max(stats.peakRssMb, own.hwmKb / 1024);
    stats.timeline.push([Date.now(), own.rssKb / 1024]);
    const tree = descendants(pid).reduce((sum, p) => sum + (readStatus(p)?.rssKb ?? 0), own.rssKb);
    stats.peakTreeRssMb = Math.max(stats.peakTreeRssMb, tree / 1024);
    stats.cpuSeconds = readCpuSeconds(pid) ?? stats.cpuSeconds;
  };
  const timer = setInterval(sample, options.sampleMs ?? 100);
  timer.unref();

  const lines: unknown[] = [];
  const stderr: string[] = [];
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    child.once('exit', (code) =>
      reject(new Error(`${script} exited (${code}) before it was ready: ${stderr.join('').slice(-2000)}`)),
    );
  });
  ready.catch(() => undefined);
  if (!options.readyWhen) markReady();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = parseLine(text);
    if (options.keepLines !== false) lines.push(line);
    if (options.readyWhen?.(line)) {
      if (stats.readyRssMb === null) stats.readyRssMb = (readStatus(pid)?.rssKb ?? 0) / 1024;
      markReady();
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 200) stderr.shift();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // the last samples before the process is gone
  child.once('exit', () => clearInterval(timer));

  const stop = async (): Promise<ProcStats> => {
    if (child.exitCode === null && child.signalCode === null) {
      sample();
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    clearInterval(timer);
    return stats;
  };
  return { pid, child, stats, ready, exited, lines, stderr, stop };
}

function parseLine(text: string): unknown {
  if (!text.startsWith('{')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function readStatus(pid: number): { rssKb: number; hwmKb: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

function readCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may contain spaces) start at state (field 3)
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime
  } catch {
    return null;
  }
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  let children: string;
  try {
    children = readdirSync(`/proc/${pid}/task`)
      .map((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8'))
      .join(' ');
  } catch {
    return out;
  }
  for (const c of children.split(/\s+/).filter(Boolean)) out.push(Number(c), ...descendants(Number(c)));
  return out;
}

/** Runs a command to completion (optionally feeding `input` on stdin); throws on a non-zero exit. */
export async function runCommand(
  cmd: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
  input?: string,
): Promise<{ seconds: number; stdout: string; stderr: string }> {
  const started = performance.now();
  const child = spawn(cmd, args, { cwd: ROOT, env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(input ?? '');
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${code}): ${stderr.slice(-2000)}`);
  return { seconds: (performance.now() - started) / 1000, stdout, stderr };
}
