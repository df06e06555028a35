// A second delivery of the hr feed for a later period, written from the first by editing CSV
// lines: most rows unchanged, a few changed (event, date, income), a few removed, a few new rows
// about register persons the first delivery did not mention. Returns the file and its truth, so
// the oracle can say which signals the new and changed rows — and only those — must raise.
import { readFileSync } from 'node:fs';
import type { DeploymentConfig } from '@ew/config';
import type { TruthLine } from '../generator/truth.ts';
import { ageOn, Rational } from '../oracle/exact.ts';
import { standardInForce, type RegisterTruth } from '../oracle/expected-signals.ts';

export interface Redelivery {
  content: string;
  /** Truth of the new file (row numbers of the new file). */
  truth: TruthLine[];
  /** Row numbers (new file) of changed and new rows. */
  changedRows: number[];
  newRows: number[];
  /** Row numbers (old file) of removed rows. */
  goneRows: number[];
}

const EVENT_WORD: Record<string, string> = {
  UNEMPLOYED: '失业登记',
  FLEXIBLE: '灵活就业',
  STOPPED: '停保',
  EMPLOYED: '就业',
};

interface Edit {
  event: string;
  date: string;
  income: number | null;
}

export function buildHrRedelivery(
  file: string,
  truth: readonly TruthLine[],
  register: RegisterTruth,
  config: DeploymentConfig,
  period: string,
): Redelivery {
  const text = readFileSync(file, 'utf8');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(eol);
  if (lines[lines.length - 1] === '') lines.pop();
  const header = lines[0] ?? '';
  const headerCells = parseCsvLine(header.replace(/^\uFEFF/, ''));
  if (headerCells.join(',') !== '公民身份号码,姓名,业务类型,业务日期,月收入') {
    throw new Error(`unexpected hr header: ${header}`);
  }
  // the file's quoting style: every cell quoted, or only where needed
  const quoteAll = header.replace(/^\uFEFF/, '').startsWith('"');
  const renderCells = (cells: readonly string[]) =>
    cells.map((c) => (quoteAll || /[",\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',');
  const byRow = new Map(truth.map((t) => [t.row, t]));
  if (lines.length - 1 !== truth.length) throw new Error('hr.csv and its truth disagree on the row count');

  // persons mentioned once in the file, by rows no duplicate refers to
  const mentions = new Map<string, number>();
  for (const t of truth) if (t.personId) mentions.set(t.personId, (mentions.get(t.personId) ?? 0) + 1);
  const referenced = new Set(truth.map((t) => t.duplicateOf).filter((r): r is number => r !== null));
  const notCovered = (id: string): boolean => {
    const p = register.persons.get(id);
    const h = p && register.households.get(p.householdNo);
    return h !== undefined && h.status !== 'DIBAO' && h.status !== 'TEKUN';
  };
  const ageOf = (id: string): number => {
    const b = register.persons.get(id)?.birthDate;
    return b ? ageOn(b, period) : -1;
  };
  const editable = truth.filter(
    (t) =>
      t.expected === 'id' &&
      t.duplicateOf === null &&
      !referenced.has(t.row) &&
      t.noise.every((n) => !n.startsWith('id:')) &&
      t.personId !== null &&
      mentions.get(t.personId) === 1 &&
      parseCsvLine(lines[t.row - 1] ?? '').length === 5,
  );
  // wanted to fire: working-age people of uncovered households
  const firing = editable.filter(
    (t) => notCovered(t.personId!) && ageOf(t.personId!) >= 20 && ageOf(t.personId!) <= 55,
  );
  const others = editable.filter((t) => !firing.includes(t));
  if (firing.length < 8 || others.length < 6) throw new Error('not enough editable hr rows');

  const marginalOf = (id: string) => {
    const p = register.persons.get(id)!;
    const h = register.households.get(p.householdNo)!;
    return standardInForce(config, h.areaType, period)!.marginal;
  };

  const changes = new Map<number, Edit>(); // old row → new values
  const pickFiring = firing.slice(0, 8);
  const [f0, f1, f2, f3, f4, f5, f6, f7] = pickFiring.map((t) => t.row) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  changes.set(f0, { event: 'UNEMPLOYED', date: '2023-04-20', income: null }); // fires
  changes.set(f1, { event: 'UNEMPLOYED', date: '2023-01-30', income: null }); // 90 days before: fires
  changes.set(f2, { event: 'UNEMPLOYED', date: '2023-01-29', income: null }); // 91 days: does not
  changes.set(f3, { event: 'STOPPED', date: '2023-04-01', income: null }); // fires
  changes.set(f4, {
    event: 'FLEXIBLE',
    date: '2023-04-01',
    income: Number(marginalOf(byRow.get(f4)!.personId!).sub(Rational.of('0.01')).toFixed(2)),
  }); // just below: fires
  changes.set(f5, {
    event: 'FLEXIBLE',
    date: '2023-04-01',
    income: Number(marginalOf(byRow.get(f5)!.personId!).toFixed(2)),
  }); // at: does not
  changes.set(f6, { event: 'EMPLOYED', date: '2023-04-10', income: 3000 }); // nothing
  changes.set(f7, { event: 'UNEMPLOYED', date: '2023-05-01', income: null }); // after the period: does not
  const gone = new Set(others.slice(0, 3).map((t) => t.row));
  // an unchanged row whose income alone changes: CHANGED, nothing fires for an employed person
  const employed = others
    .slice(3)
    .find((t) => t.values['event'] === 'EMPLOYED' && typeof t.values['monthly_income'] === 'number');
  if (employed)
    changes.set(employed.row, {
      event: 'EMPLOYED',
      date: String(employed.values['event_date']),
      income: Number(employed.values['monthly_income']) + 100,
    });

  // new rows: register persons the first delivery does not mention
  const fresh = [...register.persons.values()]
    .filter((p) => !mentions.has(p.id) && p.birthDate !== null)
    .sort((a, b) => a.id.localeCompare(b.id));
  const freshFiring = fresh.filter((p) => notCovered(p.id) && ageOf(p.id) >= 20 && ageOf(p.id) <= 55);
  const freshCovered = fresh.filter((p) => !notCovered(p.id) && ageOf(p.id) >= 20 && ageOf(p.id) <= 55);
  const freshOld = fresh.filter((p) => notCovered(p.id) && ageOf(p.id) === 61);
  const newEdits: Array<{ id: string; edit: Edit }> = [];
  const add = (p: { id: string } | undefined, edit: Edit) => {
    if (p) newEdits.push({ id: p.id, edit });
  };
  add(freshFiring[0], { event: 'UNEMPLOYED', date: period, income: null }); // day 0: fires
  add(freshFiring[1], { event: 'UNEMPLOYED', date: '2023-03-15', income: 0 }); // fires
  add(freshFiring[2], { event: 'STOPPED', date: '2023-04-02', income: null }); // fires
  add(freshFiring[3], { event: 'FLEXIBLE', date: '2023-04-02', income: 500 }); // fires
  add(freshFiring[4], { event: 'EMPLOYED', date: '2023-04-02', income: 2500 }); // nothing
  add(freshCovered[0], { event: 'STOPPED', date: '2023-04-02', income: null }); // covered: nothing
  add(freshOld[0], { event: 'UNEMPLOYED', date: '2023-04-02', income: null }); // aged 61: nothing
  if (newEdits.length < 5) throw new Error('not enough fresh register persons for new hr rows');

  const render = (id: string, name: string, e: Edit) =>
    renderCells([id, name, EVENT_WORD[e.event] ?? '', e.date, e.income === null ? '' : String(e.income)]);

  // old row → new row (removed rows are never the original of a duplicate)
  const renumber = new Map<number, number>();
  for (let i = 1, row = 1; i < lines.length; i++) {
    if (!gone.has(i + 1)) renumber.set(i + 1, ++row);
  }

  const out: string[] = [header];
  const newTruth: TruthLine[] = [];
  const changedRows: number[] = [];
  const newRows: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const oldRow = i + 1;
    if (gone.has(oldRow)) continue;
    const t = byRow.get(oldRow)!;
    const row = out.length + 1;
    const edit = changes.get(oldRow);
    if (edit === undefined) {
      out.push(lines[i] ?? '');
      newTruth.push({
        ...t,
        row,
        duplicateOf: t.duplicateOf === null ? null : (renumber.get(t.duplicateOf) ?? null),
      });
      continue;
    }
    const cells = parseCsvLine(lines[i] ?? '');
    out.push(render(cells[0] ?? '', cells[1] ?? '', edit));
    newTruth.push({
      ...t,
      row,
      noise: [],
      values: { event: edit.event, event_date: edit.date, monthly_income: edit.income },
      plants: [],
    });
    changedRows.push(row);
  }
  for (const { id, edit } of newEdits) {
    const p = register.persons.get(id)!;
    const row = out.length + 1;
    out.push(render(id, p.name, edit));
    newTruth.push({
      row,
      expected: 'id',
      personId: id,
      inRegister: true,
      rejectReason: null,
      noise: [],
      duplicateOf: null,
      values: { event: edit.event, event_date: edit.date, monthly_income: edit.income },
      plants: [],
    });
    newRows.push(row);
  }
  return {
    content: out.join(eol) + eol,
    truth: newTruth,
    changedRows,
    newRows,
    goneRows: [...gone].sort((a, b) => a - b),
  };
}

/** The cells of one CSV line (RFC 4180 quoting; the generator writes no line breaks in cells). */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}
