// The standard change as the data administrator reads it (issue 14 I): one aligned row per area
// type — the standard before and after, households raised, withdrawn and kept — printed alike by
// `rules simulate` (what it would do) and `rules standard-change` (what it did), then the
// households that no longer qualify.
import type { StandardInForce } from '@ew/config';
import type { SimulatedStandardChange } from '@ew/pipeline/rules/simulate';
import type { StandardChangeOutcome, WithdrawnHousehold } from '@ew/pipeline/rules/standard-change';
import { ASSISTANCE_LABELS, STATUS_LABELS } from '@ew/casework';
import { num, table } from '../format.ts';

const AREA: Record<string, string> = { URBAN: 'URBAN 城市', RURAL: 'RURAL 农村' };
const step = (previous: StandardInForce | null, now: StandardInForce, pick: (s: StandardInForce) => number) =>
  `${previous === null ? '-' : num(pick(previous))} → ${num(pick(now))}`;

const COUNT_HEADERS = ['area 地区', 'from 生效日期', 'standard 低保标准', 'marginal 边缘标准'];
const EFFECT_HEADERS = ['raised 新增', 'withdrawn 撤销', 'kept 保留'];

/** `rules simulate`: what `rules standard-change` would do on the date, per area type. */
export function simulatedChangeTable(rows: readonly SimulatedStandardChange[]): string {
  return table(
    [...COUNT_HEADERS, ...EFFECT_HEADERS],
    rows.map((r) => [
      AREA[r.areaType] ?? r.areaType,
      r.standard.effectiveFrom,
      step(r.previous, r.standard, (s) => s.monthlyPerPerson),
      step(r.previous, r.standard, (s) => s.marginalThreshold),
      r.raised,
      r.withdrawn,
      r.kept,
    ]),
  );
}

/** `rules standard-change`: one row per change run (or found run before). */
export function appliedChangeTable(outcomes: readonly StandardChangeOutcome[]): string {
  return table(
    [...COUNT_HEADERS, ...EFFECT_HEADERS, 'tasks opened 新任务', 'tasks flagged 任务标注', 'result 结果'],
    outcomes.map((o) =>
      o.outcome === 'already-run'
        ? [
            AREA[o.areaType] ?? o.areaType,
            o.effectiveFrom,
            '',
            '',
            null,
            null,
            null,
            null,
            null,
            'ran before 此前已执行',
          ]
        : [
            AREA[o.areaType] ?? o.areaType,
            o.effectiveFrom,
            step(o.previous, o.standard, (s) => s.monthlyPerPerson),
            step(o.previous, o.standard, (s) => s.marginalThreshold),
            o.households.raised,
            o.households.withdrawn,
            o.households.kept,
            o.alerts.tasksOpened,
            o.withdrawal.tasksFlagged,
            'applied 已执行',
          ],
    ),
  );
}

/** The households that no longer qualify, at most `limit` rows (null: all). */
export function withdrawnTable(households: readonly WithdrawnHousehold[], limit: number | null): string {
  const shown = limit === null ? households : households.slice(0, limit);
  const lines = [
    table(
      [
        'household 户编号',
        'town 镇（街道）',
        'per capita 人均月收入',
        'status 救助状态',
        'open task 在办任务',
      ],
      shown.map((h) => [
        h.householdNo,
        h.town,
        h.perCapitaIncome === null ? null : h.perCapitaIncome.toFixed(2),
        ASSISTANCE_LABELS[h.assistanceStatus],
        h.taskId === null ? null : `#${h.taskId} ${h.taskStatus === null ? '' : STATUS_LABELS[h.taskStatus]}`,
      ]),
    ),
  ];
  if (shown.length < households.length) {
    lines.push(`… and ${num(households.length - shown.length)} more (--list all shows every one)`);
  }
  return lines.join('\n');
}
