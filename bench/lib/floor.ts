// The raw-SQL floor (issue 6): what Postgres alone needs for "load and match" of the same file in
// the same database, timed by psql's own \timing:
//   1. `\copy` of the feed file into a LOGGED table;
//   2. one SQL hash join of the feed to the register persons on the raw ID column;
//   3. `INSERT … SELECT` of the joined rows into a (logged) table.
// floor_seconds = the sum.
//
// The generated file is dirty on purpose: some rows have too few or too many columns (the
// COLUMN_COUNT rejects), which `\copy … csv` refuses for the whole file (PG 15 has no ON_ERROR
// ignore). So the floor loads every line into ONE text column (CSV with a delimiter and a quote
// character that never occur) and the join takes the ID with split_part(line, ',', n). The raw
// ID is not normalised (spaces, apostrophes, lowercase x, 15-digit IDs do not join): a floor.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FeedData } from './data.ts';
import { databaseUrl, round2 } from './env.ts';
import { runCommand } from './proc.ts';

export interface FloorResult {
  copy_seconds: number;
  join_seconds: number;
  insert_seconds: number;
  floor_seconds: number;
  rows_loaded: number;
  rows_joined: number;
  join_plan: string;
}

const PG_ENCODING: Record<string, string> = {
  utf8: 'UTF8',
  'utf8-bom': 'UTF8',
  gbk: 'GBK',
  gb18030: 'GB18030',
};

export async function measureFloor(
  dbName: string,
  data: FeedData,
  idHeader: readonly string[],
): Promise<FloorResult> {
  const summary = JSON.parse(await readFile(join(data.dir, 'truth', 'summary.json'), 'utf8')) as {
    files?: Array<{ feed: string; encoding: string }>;
  };
  const fileEncoding = summary.files?.find((f) => f.feed === data.feed)?.encoding ?? 'utf8';
  const encoding = PG_ENCODING[fileEncoding] ?? 'UTF8';
  const idColumn = await idColumnNo(data.feedFile, idHeader, encoding);
  const id = `split_part(f.line, ',', ${idColumn})`;
  const script = `
\\set ON_ERROR_STOP 1
drop table if exists floor_feed, floor_matched;
create table floor_feed (line text);
create table floor_matched (line text, person_id bigint, household_id bigint);
checkpoint;
\\timing on
\\copy floor_feed from '${data.feedFile.replace(/'/g, "''")}' with (format csv, header true, delimiter E'\\x01', quote E'\\x02', encoding '${encoding}')
select count(*) as joined from floor_feed f join persons p on p.id_number = ${id};
insert into floor_matched select f.line, p.id, p.household_id from floor_feed f join persons p on p.id_number = ${id};
\\timing off
explain select count(*) from floor_feed f join persons p on p.id_number = ${id};
`;
  const { stdout } = await runCommand(
    'psql',
    ['-X', '-q', '-A', '-t', databaseUrl(dbName)],
    undefined,
    script,
  );
  const times = [...stdout.matchAll(/^Time: ([\d.]+) ms/gm)].map((m) => Number(m[1]) / 1000);
  if (times.length < 3) throw new Error(`floor: unexpected psql output:\n${stdout}`);
  const [copy, joinS, insert] = times as [number, number, number];
  const joined = Number(/^(\d+)$/m.exec(stdout)?.[1] ?? NaN);
  const plan = stdout
    .split('\n')
    .filter((l) => /Join|Scan/.test(l))
    .map((l) => l.trim().replace(/\s+\(cost.*$/, ''))
    .join(' / ');
  const loaded = await runCommand('psql', [
    '-X',
    '-A',
    '-t',
    '-c',
    'select count(*) from floor_feed',
    databaseUrl(dbName),
  ]);
  await runCommand('psql', ['-X', '-q', '-c', 'drop table floor_feed, floor_matched', databaseUrl(dbName)]);
  return {
    copy_seconds: round2(copy),
    join_seconds: round2(joinS),
    insert_seconds: round2(insert),
    floor_seconds: round2(copy + joinS + insert),
    rows_loaded: Number(loaded.stdout.trim()),
    rows_joined: joined,
    join_plan: plan,
  };
}

/**
 * The floor measured `times` times in a row (its own figure moves by ±30 % from run to run on
 * this shared machine): the run with the median total, and every total for the record.
 */
export async function measureFloorMedian(
  dbName: string,
  data: FeedData,
  idHeader: readonly string[],
  times = 3,
): Promise<FloorResult & { floor_seconds_runs: number[] }> {
  const runs: FloorResult[] = [];
  for (let i = 0; i < times; i++) runs.push(await measureFloor(dbName, data, idHeader));
  const sorted = [...runs].sort((a, b) => a.floor_seconds - b.floor_seconds);
  return { ...sorted[Math.floor(sorted.length / 2)]!, floor_seconds_runs: runs.map((r) => r.floor_seconds) };
}

/** 1-based position of the ID column in the file's header line. */
async function idColumnNo(file: string, aliases: readonly string[], encoding: string): Promise<number> {
  const head = (await readFile(file)).subarray(0, 4096);
  let text: string;
  if (encoding === 'UTF8') text = head.toString('utf8');
  else text = new TextDecoder(encoding === 'GBK' ? 'gbk' : 'gb18030').decode(head);
  const header = (text.replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '').split(',').map((h) => h.trim());
  const at = header.findIndex((h) => aliases.includes(h));
  if (at < 0) throw new Error(`floor: no ID column (${aliases.join('/')}) in ${header.join(',')}`);
  return at + 1;
}
