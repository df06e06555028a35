// The task queue in the server's order (severity, number of signal codes, deadline). Caseworkers
// see their own town (the server enforces it); supervisors all towns with a town filter and an
// assign button. Filters live in the address, so back and reload keep them; paging by cursor.
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { Alert, Button, Checkbox, Input, Select, Space, Typography } from 'antd';
import { api, query } from '../api.ts';
import { errorText, useTowns } from '../hooks.ts';
import { CODE, SEVERITY, STATUS } from '../labels.ts';
import { useMe } from '../session.tsx';
import { AssignModal } from '../components/AssignModal.tsx';
import { TaskList } from '../components/TaskList.tsx';
import type { TaskSummary } from '../types.ts';

type Filter = 'status' | 'severity' | 'code' | 'overdue' | 'village' | 'mine' | 'town';

export default function Queue({ preset }: { preset?: string }) {
  const me = useMe();
  const supervisor = me.role === 'SUPERVISOR';
  const towns = useTowns();
  const [params, setParams] = useSearchParams();
  const [tasks, setTasks] = useState<TaskSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const [assigning, setAssigning] = useState<TaskSummary | null>(null);
  const [village, setVillage] = useState(params.get('village') ?? '');

  const filter = (name: Filter) => params.get(name) ?? undefined;
  const status = preset ?? filter('status');
  const listQuery = query({
    status,
    severity: filter('severity'),
    code: filter('code'),
    overdue: filter('overdue'),
    village: filter('village'),
    assignee: filter('mine') === 'true' ? 'me' : undefined,
    town: supervisor ? filter('town') : undefined,
  });

  const load = async (after: string | null) => {
    setLoading(true);
    try {
      const page = await api.get<{ tasks: TaskSummary[]; nextCursor: string | null }>(
        `/tasks${listQuery}${after === null ? '' : `${listQuery === '' ? '?' : '&'}cursor=${encodeURIComponent(after)}`}`,
      );
      setTasks((old) => (after === null ? page.tasks : [...old, ...page.tasks]));
      setCursor(page.nextCursor ?? null);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(null);
  }, [listQuery, round]);

  const set = (name: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value === undefined || value === '') next.delete(name);
    else next.set(name, value);
    setParams(next, { replace: true });
  };

  const title =
    preset === 'PENDING_APPROVAL'
      ? '待审批（一事一议）'
      : supervisor
        ? '全部任务'
        : `${me.town ?? ''} 核查任务`;
  return (
    <>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        {title}
      </Typography.Title>
      <Space wrap className="ew-filters" style={{ marginBottom: 12 }} aria-label="筛选">
        {preset === undefined && (
          <Select
            aria-label="状态"
            placeholder="状态：未办结"
            allowClear
            value={filter('status')}
            onChange={(v?: string) => set('status', v)}
            options={['NEW', 'ASSIGNED', 'IN_PROGRESS', 'PENDING_APPROVAL', 'CLOSED'].map((s) => ({
              value: s,
              label: STATUS[s],
            }))}
          />
        )}
        <Select
          aria-label="风险等级"
          placeholder="风险等级"
          allowClear
          value={filter('severity')}
          onChange={(v?: string) => set('severity', v)}
          options={['high', 'medium', 'low'].map((s) => ({ value: s, label: `${SEVERITY[s]}风险` }))}
        />
        <Select
          aria-label="预警类型"
          placeholder="预警类型"
          allowClear
          value={filter('code')}
          onChange={(v?: string) => set('code', v)}
          options={Object.entries(CODE).map(([value, label]) => ({ value, label }))}
        />
        {supervisor && (
          <Select
            aria-label="镇（街道）"
            placeholder="全部镇（街道）"
            allowClear
            value={filter('town')}
            onChange={(v?: string) => set('town', v)}
            options={towns.map((t) => ({ value: t.name, label: t.name }))}
          />
        )}
        <Input.Search
          aria-label="村（社区）"
          placeholder="村（社区）"
          allowClear
          value={village}
          onChange={(e) => setVillage(e.target.value)}
          onSearch={(v) => set('village', v.trim())}
        />
        <Checkbox
          checked={filter('overdue') === 'true'}
          onChange={(e) => set('overdue', e.target.checked ? 'true' : undefined)}
        >
          只看逾期
        </Checkbox>
        {!supervisor && (
          <Checkbox
            checked={filter('mine') === 'true'}
            onChange={(e) => set('mine', e.target.checked ? 'true' : undefined)}
          >
            只看我的
          </Checkbox>
        )}
        <Button onClick={() => setRound((r) => r + 1)}>刷新</Button>
      </Space>
      {error !== null && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <TaskList
        tasks={tasks}
        loading={loading}
        extra={
          supervisor
            ? (t) =>
                t.status === 'NEW' || t.status === 'ASSIGNED' || t.status === 'IN_PROGRESS' ? (
                  <Button size="small" onClick={() => setAssigning(t)}>
                    {t.assignedTo ? '改派' : '分派'}
                  </Button>
                ) : null
            : undefined
        }
        footer={
          cursor !== null ? (
            <Button block onClick={() => void load(cursor)} loading={loading}>
              加载更多
            </Button>
          ) : tasks.length > 0 ? (
            <span className="ew-muted">共 {tasks.length} 条，已全部显示</span>
          ) : null
        }
      />
      {assigning !== null && (
        <AssignModal
          task={assigning}
          onClose={() => setAssigning(null)}
          onDone={() => {
            setAssigning(null);
            setRound((r) => r + 1);
          }}
        />
      )}
    </>
  );
}
