// 统计报表: the twice-monthly statistics table (社会救助扩围增效工作统计表) of a period, with its CSV
// and XLSX downloads and the month's work report; and the outcome feedback (预警成效) per rule code,
// feed or town as a table and a bar chart, so thresholds are tuned with evidence (domain §6, §7).
// The chart is plain SVG: one bar pair per row, no charting library to download.
import { useState } from 'react';
import { Alert, Button, Segmented, Select, Space, Table, Typography } from 'antd';
import { query } from '../api.ts';
import { errorText, useApi } from '../hooks.ts';
import { CODE, nameOf } from '../labels.ts';
import { formatAmount, formatNumber, formatShare, todayInShanghai } from '../format.ts';

interface AidFigure {
  cases: number;
  amount: number;
}

interface StatsRow {
  townId: number | null;
  town: string;
  householdsScreened: number;
  personsScreened: number;
  alerts: number;
  alertsByCode: Record<string, number>;
  tasksOpened: number;
  tasksClosed: number;
  tasksOpenAtEnd: number;
  tasksOverdueAtEnd: number;
  includedMarginal: number;
  aidEmergency: AidFigure;
  aidExpense: AidFigure;
  caseByCase: AidFigure;
  referredDibao: number;
}

interface StatsTable {
  period: string;
  firstDay: string;
  lastDay: string;
  codes: string[];
  towns: StatsRow[];
  total: StatsRow;
}

interface OutcomeRow {
  key: string;
  label: string;
  alerts: number;
  helped: number;
  notEligible: number;
  notFound: number;
  open: number;
  helpRate: number | null;
  medianDaysToClose: number | null;
}

/** The reporting periods that have ended, newest first: ids `YYYY-MM-14` and `YYYY-MM-28`. */
function recentPeriods(count: number): string[] {
  const [y, m, d] = todayInShanghai().split('-').map(Number) as [number, number, number];
  const out: string[] = [];
  let year = y;
  let month = m;
  // the current month's periods that have ended, then the earlier months'
  const ends = (mm: number) => (year === y && mm === m ? [28, 14].filter((e) => e < d) : [28, 14]);
  while (out.length < count) {
    for (const e of ends(month)) out.push(`${year}-${String(month).padStart(2, '0')}-${e}`);
    month -= 1;
    if (month === 0) {
      month = 12;
      year -= 1;
    }
  }
  return out.slice(0, count);
}

const aid = (f: AidFigure) => `${f.cases} 户 / ${formatAmount(f.amount)}`;

function StatsSection() {
  const periods = recentPeriods(24);
  const [period, setPeriod] = useState(periods[0]!);
  const { data, error, loading } = useApi<StatsTable>(`/reports/stats${query({ period })}`);
  const rows = data ? [...data.towns, data.total] : [];
  const month = period.slice(0, 7);
  return (
    <section aria-labelledby="stats-title">
      <Typography.Title id="stats-title" level={3} style={{ fontSize: 18 }}>
        社会救助扩围增效工作统计表
      </Typography.Title>
      <Space wrap style={{ marginBottom: 12 }}>
        <label htmlFor="period">统计期</label>
        <Select
          id="period"
          value={period}
          onChange={setPeriod}
          style={{ width: 220 }}
          options={periods.map((p) => ({
            value: p,
            label: `${p.slice(0, 4)}年${Number(p.slice(5, 7))}月${Number(p.slice(8))}日止`,
          }))}
        />
        <Button href={`/reports/stats.xlsx${query({ period })}`}>下载 Excel</Button>
        <Button href={`/reports/stats.csv${query({ period })}`}>下载 CSV</Button>
        <Button href={`/reports/monthly${query({ month })}`} target="_blank">
          {Number(month.slice(5))}月工作落实情况报告
        </Button>
      </Space>
      {data && (
        <p>
          统计时段：{data.firstDay} 至 {data.lastDay}
        </p>
      )}
      {error && <Alert type="error" showIcon message={errorText(error)} />}
      <Table<StatsRow>
        rowKey={(r) => r.townId ?? 'total'}
        loading={loading}
        dataSource={rows}
        pagination={false}
        size="small"
        scroll={{ x: 'max-content' }}
        columns={[
          {
            title: '镇（街道）',
            dataIndex: 'town',
            fixed: 'left',
            render: (t: string, r) => (r.townId === null ? <strong>{t}</strong> : t),
          },
          { title: '比对户数', dataIndex: 'householdsScreened', align: 'right', render: formatNumber },
          { title: '比对人数', dataIndex: 'personsScreened', align: 'right', render: formatNumber },
          { title: '预警数', dataIndex: 'alerts', align: 'right', render: formatNumber },
          ...(data?.codes ?? []).map((code) => ({
            title: nameOf(CODE, code),
            key: code,
            align: 'right' as const,
            render: (_: unknown, r: StatsRow) => formatNumber(r.alertsByCode[code] ?? 0),
          })),
          { title: '新增任务', dataIndex: 'tasksOpened', align: 'right', render: formatNumber },
          { title: '办结', dataIndex: 'tasksClosed', align: 'right', render: formatNumber },
          { title: '逾期', dataIndex: 'tasksOverdueAtEnd', align: 'right', render: formatNumber },
          { title: '新纳入低保边缘', dataIndex: 'includedMarginal', align: 'right', render: formatNumber },
          {
            title: '急难型临时救助',
            key: 'aidEmergency',
            align: 'right',
            render: (_: unknown, r) => aid(r.aidEmergency),
          },
          {
            title: '支出型临时救助',
            key: 'aidExpense',
            align: 'right',
            render: (_: unknown, r) => aid(r.aidExpense),
          },
          {
            title: '一事一议',
            key: 'caseByCase',
            align: 'right',
            render: (_: unknown, r) => aid(r.caseByCase),
          },
          { title: '转低保/特困', dataIndex: 'referredDibao', align: 'right', render: formatNumber },
        ]}
      />
    </section>
  );
}

/** Bars of alerts that led to help against those that did not, per row. */
function OutcomeChart({ rows }: { rows: OutcomeRow[] }) {
  const max = Math.max(1, ...rows.map((r) => r.alerts));
  const barHeight = 14;
  const gap = 14;
  const labelWidth = 120;
  const width = 560;
  const height = rows.length * (barHeight * 2 + gap) + 24;
  const scale = (n: number) => ((width - labelWidth - 60) * n) / max;
  return (
    <svg
      role="img"
      aria-label="各项预警的成效：帮扶与不符合/查无此人"
      viewBox={`0 0 ${width} ${height}`}
      style={{ width: '100%', maxWidth: width, height: 'auto' }}
    >
      {rows.map((r, i) => {
        const y = i * (barHeight * 2 + gap);
        const wrong = r.notEligible + r.notFound;
        return (
          <g key={r.key}>
            <text x={0} y={y + barHeight + 4} fontSize={12}>
              {r.label.length > 9 ? `${r.label.slice(0, 9)}…` : r.label}
            </text>
            <rect x={labelWidth} y={y} width={scale(r.helped)} height={barHeight} fill="#237804" />
            <text x={labelWidth + scale(r.helped) + 4} y={y + 11} fontSize={11}>
              {r.helped}
            </text>
            <rect x={labelWidth} y={y + barHeight} width={scale(wrong)} height={barHeight} fill="#a8071a" />
            <text x={labelWidth + scale(wrong) + 4} y={y + barHeight + 11} fontSize={11}>
              {wrong}
            </text>
          </g>
        );
      })}
      <g transform={`translate(${labelWidth}, ${height - 10})`}>
        <rect width={10} height={10} y={-9} fill="#237804" />
        <text x={14} fontSize={11}>
          获得帮扶
        </text>
        <rect x={90} width={10} height={10} y={-9} fill="#a8071a" />
        <text x={104} fontSize={11}>
          不符合/查无此人
        </text>
      </g>
    </svg>
  );
}

function OutcomesSection() {
  const [by, setBy] = useState<'code' | 'feed' | 'town'>('code');
  const { data, error, loading } = useApi<{ rows: OutcomeRow[] }>(`/reports/outcomes${query({ by })}`);
  const rows = (data?.rows ?? []).map((r) => (by === 'code' ? { ...r, label: nameOf(CODE, r.key) } : r));
  return (
    <section aria-labelledby="outcomes-title" style={{ marginTop: 32 }}>
      <Typography.Title id="outcomes-title" level={3} style={{ fontSize: 18 }}>
        预警成效（按结果校准阈值）
      </Typography.Title>
      <Space wrap style={{ marginBottom: 12 }}>
        <Segmented
          aria-label="分组"
          value={by}
          onChange={(v) => setBy(v as typeof by)}
          options={[
            { value: 'code', label: '按预警规则' },
            { value: 'feed', label: '按数据来源' },
            { value: 'town', label: '按镇（街道）' },
          ]}
        />
        <Button href={`/reports/outcomes.csv${query({ by })}`}>下载 CSV</Button>
      </Space>
      {error && <Alert type="error" showIcon message={errorText(error)} />}
      <Table<OutcomeRow>
        rowKey="key"
        loading={loading}
        dataSource={rows}
        pagination={false}
        size="small"
        scroll={{ x: 'max-content' }}
        columns={[
          {
            title: by === 'code' ? '预警规则' : by === 'feed' ? '数据来源' : '镇（街道）',
            dataIndex: 'label',
          },
          { title: '预警数', dataIndex: 'alerts', align: 'right', render: formatNumber },
          { title: '获得帮扶', dataIndex: 'helped', align: 'right', render: formatNumber },
          { title: '不符合条件', dataIndex: 'notEligible', align: 'right', render: formatNumber },
          { title: '查无此人', dataIndex: 'notFound', align: 'right', render: formatNumber },
          { title: '办理中', dataIndex: 'open', align: 'right', render: formatNumber },
          {
            title: '帮扶率',
            dataIndex: 'helpRate',
            align: 'right',
            render: (v: number | null) => (v === null ? '—' : formatShare(v)),
          },
          {
            title: '办结天数（中位）',
            dataIndex: 'medianDaysToClose',
            align: 'right',
            render: (v: number | null) => (v === null ? '—' : v.toFixed(1)),
          },
        ]}
      />
      {rows.length > 0 && <OutcomeChart rows={rows} />}
    </section>
  );
}

export default function Reports() {
  return (
    <>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        统计报表
      </Typography.Title>
      <StatsSection />
      <OutcomesSection />
    </>
  );
}
