// 匹配复核: rows the matcher could not decide (several candidates, or an identity conflict). The
// data administrator sees how many are open per feed and per file, compares the row with its
// candidates side by side (birth date, village, household, relation), may reveal the full names
// and ID numbers with a reason (audited), and picks the person or rejects the match; an accepted
// row goes on to the rules. Supervisors read the list (masked) without deciding.
import { useState } from 'react';
import {
  Alert,
  Button,
  Card,
  Empty,
  List,
  Popconfirm,
  Select,
  Space,
  Spin,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { api, query } from '../api.ts';
import { formatDate, formatDateTime, formatNumber } from '../format.ts';
import { errorText, useApi, useRunner } from '../hooks.ts';
import { FEED, ID_STATUS, RELATION, REVIEW_KIND, REVIEW_STATUS, SEX, nameOf } from '../labels.ts';
import { useMe } from '../session.tsx';
import { ReasonModal } from '../components/ReasonModal.tsx';
import type { RevealedReview, ReviewCounts, ReviewItem } from '../types.ts';

type Filter = { feed?: string; importId?: number };

/** One line of the side-by-side table: the delivered row first, then each candidate. */
interface Line {
  key: string;
  who: string;
  name: string;
  id: string;
  birthDate: string | null;
  gender: string | null;
  town: string | null;
  village: string | null;
  householdNo: string | null;
  address: string | null;
  relation: string | null;
  score: number | null;
  personId: number | null;
  active: boolean;
}

function linesOf(r: ReviewItem, shown: RevealedReview | undefined): Line[] {
  const full = new Map(shown?.candidates.map((c) => [c.personId, c]) ?? []);
  const row: Line = {
    key: 'row',
    who: '数据中的人员',
    name: shown?.row.name ?? r.row.nameMasked,
    id: shown ? (shown.row.idNumber ?? '无') : (r.row.idMasked ?? '无身份证号'),
    birthDate: r.row.birthDate,
    gender: r.row.gender,
    town: r.row.town,
    village: null,
    householdNo: null,
    address: null,
    relation: null,
    score: null,
    personId: null,
    active: true,
  };
  return [
    row,
    ...r.candidates.map((c, i) => ({
      key: `p${c.personId}`,
      who: `候选 ${i + 1}${c.active ? '' : '（已迁出户籍库）'}`,
      name: full.get(c.personId)?.name ?? c.nameMasked,
      id: full.get(c.personId)?.idNumber ?? c.idMasked ?? '—',
      birthDate: c.birthDate,
      gender: c.gender,
      town: c.town,
      village: c.village,
      householdNo: c.householdNo,
      address: c.address,
      relation: c.relation,
      score: c.score,
      personId: c.personId,
      active: c.active,
    })),
  ];
}

function OpenCounts({
  counts,
  filter,
  onFilter,
}: {
  counts: ReviewCounts;
  filter: Filter;
  onFilter: (f: Filter) => void;
}) {
  return (
    <Card size="small" title={`待处理复核共 ${formatNumber(counts.total)} 条`} style={{ marginBottom: 12 }}>
      <Space wrap style={{ marginBottom: 8 }} aria-label="按数据来源统计">
        <Tag.CheckableTag
          checked={filter.feed === undefined && filter.importId === undefined}
          onChange={() => onFilter({})}
        >
          全部
        </Tag.CheckableTag>
        {counts.byFeed.map((f) => (
          <Tag.CheckableTag
            key={f.feed}
            checked={filter.feed === f.feed}
            onChange={() => onFilter({ feed: f.feed })}
          >
            {nameOf(FEED, f.feed)} {formatNumber(f.open)}
          </Tag.CheckableTag>
        ))}
      </Space>
      <Table
        size="small"
        pagination={false}
        rowKey="importId"
        aria-label="按批次统计"
        dataSource={counts.byImport}
        columns={[
          { title: '批次', dataIndex: 'importId', render: (id: number) => `第 ${id} 批` },
          { title: '数据来源', dataIndex: 'feed', render: (f: string) => nameOf(FEED, f) },
          { title: '数据期', dataIndex: 'period', render: (p: string) => formatDate(p) },
          { title: '文件', dataIndex: 'fileName' },
          { title: '待处理', dataIndex: 'open', render: (n: number) => formatNumber(n) },
          {
            title: '',
            key: 'show',
            render: (_, i) => (
              <Button size="small" type="link" onClick={() => onFilter({ importId: i.importId })}>
                只看此批
              </Button>
            ),
          },
        ]}
      />
    </Card>
  );
}

function ReviewCard({
  r,
  canDecide,
  onDecide,
}: {
  r: ReviewItem;
  canDecide: boolean;
  onDecide: (body: object, done: string) => Promise<void>;
}) {
  const [asking, setAsking] = useState(false);
  const [shown, setShown] = useState<RevealedReview | undefined>(undefined);
  const open = r.status === 'OPEN';
  const lines = linesOf(r, shown);
  const row = lines[0];
  /** A candidate's value where the delivered row says otherwise: marked, so the difference is seen. */
  const marked = (field: 'birthDate' | 'gender' | 'town', shownValue: string, line: Line) => {
    const mine = line[field];
    const theirs = row?.[field];
    return line.key !== 'row' &&
      mine !== null &&
      theirs !== null &&
      theirs !== undefined &&
      mine !== theirs ? (
      <span className="ew-differs" title="与数据中的不一致">
        {shownValue}（不一致）
      </span>
    ) : (
      shownValue
    );
  };
  const columns: ColumnsType<Line> = [
    { title: '', dataIndex: 'who', fixed: 'left' },
    { title: '姓名', dataIndex: 'name' },
    { title: '身份证号', dataIndex: 'id' },
    {
      title: '出生日期',
      dataIndex: 'birthDate',
      render: (d: string | null, line) => marked('birthDate', d ? formatDate(d) : '—', line),
    },
    {
      title: '性别',
      dataIndex: 'gender',
      render: (g: string | null, line) => marked('gender', g ? nameOf(SEX, g) : '—', line),
    },
    {
      title: '镇/社区办',
      dataIndex: 'town',
      render: (t: string | null, line) => marked('town', t ?? '—', line),
    },
    { title: '村/社区', dataIndex: 'village', render: (v: string | null) => v ?? '—' },
    { title: '户编号', dataIndex: 'householdNo', render: (h: string | null) => h ?? '—' },
    { title: '家庭住址', dataIndex: 'address', render: (a: string | null) => a ?? '—' },
    {
      title: '与户主关系',
      dataIndex: 'relation',
      render: (x: string | null) => (x ? nameOf(RELATION, x) : '—'),
    },
    {
      title: '匹配度',
      dataIndex: 'score',
      render: (s: number | null) => (s === null ? '—' : `${Math.round(s * 100)}%`),
    },
  ];
  if (open && canDecide) {
    columns.push({
      title: '操作',
      key: 'accept',
      // always in view, however wide the comparison scrolls
      fixed: 'right',
      render: (_, line) =>
        line.personId === null ? null : (
          <Button
            size="small"
            type="primary"
            disabled={!line.active}
            onClick={() => void onDecide({ personId: line.personId }, '已确认匹配')}
          >
            确认为此人
          </Button>
        ),
    });
  }
  return (
    <Card
      size="small"
      style={{ width: '100%' }}
      title={
        <span className="ew-wrap">
          复核 #{r.reviewId} · {nameOf(FEED, r.feed)} {formatDate(r.period)} · 第 {r.importId} 批第 {r.rowNo}{' '}
          行
        </span>
      }
      extra={<Tag>{nameOf(REVIEW_KIND, r.kind)}</Tag>}
    >
      <p className="ew-wrap">数据中的身份证号：{nameOf(ID_STATUS, r.row.idStatus)}</p>
      <Table
        size="small"
        pagination={false}
        scroll={{ x: 'max-content' }}
        rowKey="key"
        aria-label={`复核 ${r.reviewId} 的数据与候选人员对照`}
        dataSource={lines}
        columns={columns}
      />
      {!open && (
        <p style={{ marginTop: 8 }}>
          {nameOf(REVIEW_STATUS, r.status)} ·{' '}
          {r.decidedBy === 'system:reuse' ? '沿用此前的复核结论' : r.decidedBy} ·{' '}
          {formatDateTime(r.decidedAt)}
        </p>
      )}
      <Space wrap style={{ marginTop: 8 }}>
        {canDecide && shown === undefined && <Button onClick={() => setAsking(true)}>查看完整信息</Button>}
        {shown !== undefined && <Tag color="orange">已显示完整信息（已记入审计日志）</Tag>}
        {open && canDecide && (
          <Popconfirm
            title="确认都不是此人？"
            okText="驳回"
            cancelText="取消"
            onConfirm={() => void onDecide({ reject: true }, '已驳回')}
          >
            <Button danger>都不是（驳回）</Button>
          </Popconfirm>
        )}
      </Space>
      <ReasonModal
        open={asking}
        title={`查看复核 #${r.reviewId} 的完整姓名和身份证号`}
        notice="将显示数据行及每位候选人员的完整姓名和身份证号，并记入审计日志，请说明用途。"
        placeholder="例如：区分同名同生日人员"
        onCancel={() => setAsking(false)}
        onSubmit={async (reason) => {
          setShown(await api.post<RevealedReview>(`/reviews/${r.reviewId}/reveal`, { reason }));
          setAsking(false);
        }}
      />
    </Card>
  );
}

export default function Reviews() {
  const me = useMe();
  const canDecide = me.role === 'DATA_ADMIN';
  const [status, setStatus] = useState('OPEN');
  const [filter, setFilter] = useState<Filter>({});
  const counts = useApi<ReviewCounts>('/reviews/counts');
  const { data, error, loading, reload } = useApi<{ reviews: ReviewItem[] }>(
    `/reviews${query({ status, limit: 100, feed: filter.feed, importId: filter.importId })}`,
  );
  const run = useRunner();
  const decide = async (id: number, body: object, done: string) => {
    if (await run(() => api.post(`/reviews/${id}/decision`, body), done)) {
      reload();
      counts.reload();
    }
  };
  return (
    <>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        匹配复核
      </Typography.Title>
      {counts.error && <Alert type="error" showIcon message={errorText(counts.error)} />}
      {counts.data && <OpenCounts counts={counts.data} filter={filter} onFilter={setFilter} />}
      <Space wrap className="ew-filters" style={{ marginBottom: 12 }}>
        <Select
          aria-label="复核状态"
          value={status}
          onChange={setStatus}
          options={['OPEN', 'ACCEPTED', 'REJECTED', 'SUPERSEDED'].map((s) => ({
            value: s,
            label: REVIEW_STATUS[s],
          }))}
        />
        {(filter.feed !== undefined || filter.importId !== undefined) && (
          <Tag closable onClose={() => setFilter({})}>
            {filter.feed !== undefined ? nameOf(FEED, filter.feed) : `第 ${filter.importId} 批`}
          </Tag>
        )}
      </Space>
      {error && <Alert type="error" showIcon message={errorText(error)} />}
      {loading && data === null ? (
        <Spin />
      ) : (data?.reviews ?? []).length === 0 ? (
        <Empty description="没有符合条件的复核记录" />
      ) : (
        <List
          dataSource={data?.reviews ?? []}
          renderItem={(r) => (
            <List.Item key={r.reviewId}>
              <ReviewCard
                r={r}
                canDecide={canDecide}
                onDecide={(body, done) => decide(r.reviewId, body, done)}
              />
            </List.Item>
          )}
        />
      )}
    </>
  );
}
