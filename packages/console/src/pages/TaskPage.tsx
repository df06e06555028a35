// One task: who and where (household with members, masked IDs, an audited reveal), why (each signal
// as a sentence with its values, thresholds and source), what was done (visits, the history as a
// timeline), and what may be done now (allowedActions).
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Alert, Button, Card, Descriptions, List, Space, Spin, Tag, Timeline, Typography } from 'antd';
import { api, ApiError } from '../api.ts';
import { codeName, explainSignal, sourceOf } from '../explain.ts';
import { formatAmount, formatDate, formatDateTime, formatNumber } from '../format.ts';
import { errorText, useApi } from '../hooks.ts';
import { AREA_TYPE, EVENT_ACTION, OUTCOME, RELATION, SEX, SOURCE, STATUS, nameOf } from '../labels.ts';
import { useMe } from '../session.tsx';
import { DueDate, SeverityTag, StatusTag, taskTitle, WithdrawnTag } from '../components/TaskList.tsx';
import { NotFound } from '../components/NotFound.tsx';
import { ReasonModal } from '../components/ReasonModal.tsx';
import { TaskActions } from './TaskActions.tsx';
import type { TaskDetail, TaskEvent } from '../types.ts';

function RevealButton({ taskId, personId, who }: { taskId: number; personId?: number; who: string }) {
  const [open, setOpen] = useState(false);
  const [shown, setShown] = useState<string | null>(null);
  if (shown !== null) return <Typography.Text copyable>{shown}</Typography.Text>;
  return (
    <>
      <Button size="small" onClick={() => setOpen(true)} aria-label={`查看${who}的完整身份证号`}>
        查看完整号码
      </Button>
      <ReasonModal
        open={open}
        title={`查看${who}的完整身份证号`}
        notice="查看完整身份证号将记入审计日志，请说明用途。"
        placeholder="例如：入户核对身份"
        onCancel={() => setOpen(false)}
        onSubmit={async (reason) => {
          const answer = await api.post<{ idNumber: string }>(`/tasks/${taskId}/reveal`, {
            reason,
            ...(personId === undefined ? {} : { personId }),
          });
          setShown(answer.idNumber);
          setOpen(false);
        }}
      />
    </>
  );
}

function eventText(e: TaskEvent): string {
  const moved =
    e.from !== e.to && e.to !== null
      ? `${e.from === null ? '' : `${nameOf(STATUS, e.from)} → `}${nameOf(STATUS, e.to)}`
      : '';
  const detail = e.detail ?? {};
  const extra: string[] = [];
  if (typeof detail.outcome === 'string') extra.push(`结果：${nameOf(OUTCOME, detail.outcome)}`);
  if (detail.aidAmount !== null && detail.aidAmount !== undefined)
    extra.push(`金额 ${formatAmount(detail.aidAmount)}`);
  if (typeof detail.dueAt === 'string') extra.push(`期限 ${formatDate(detail.dueAt)}`);
  if (typeof detail.paperworkDueAt === 'string')
    extra.push(`补充材料期限 ${formatDate(detail.paperworkDueAt)}`);
  if (typeof detail.source === 'string' && e.action === 'open')
    extra.push(`来源：${nameOf(SOURCE, detail.source)}`);
  return [moved, ...extra].filter((s) => s !== '').join('，');
}

export default function TaskPage() {
  const { id } = useParams();
  const me = useMe();
  const valid = id !== undefined && /^\d{1,18}$/.test(id);
  const { data: task, error, loading, reload } = useApi<TaskDetail>(valid ? `/tasks/${id}` : null);
  const mayReveal = me.role === 'CASEWORKER' || me.role === 'SUPERVISOR';

  if (!valid || (error instanceof ApiError && error.status === 404)) return <NotFound what="任务" />;
  if (error !== null && task === null) return <Alert type="error" showIcon message={errorText(error)} />;
  if (task === null) return <Spin tip="加载中…" />;

  const signals = (task.alerts ?? []).flatMap((a) => a.signals);
  return (
    <Space direction="vertical" size={12} style={{ width: '100%' }}>
      <Link to="/console/queue">← 返回任务列表</Link>
      <Card
        title={
          <span className="ew-wrap">
            任务 #{task.taskId} · {taskTitle(task)}
          </span>
        }
        loading={loading && task === null}
      >
        <Space wrap size={[4, 4]} style={{ marginBottom: 12 }}>
          <SeverityTag severity={task.severity} />
          <StatusTag status={task.status} />
          <WithdrawnTag task={task} />
          {task.source != null && <Tag>{nameOf(SOURCE, task.source)}</Tag>}
          {task.codes.map((c) => (
            <Tag key={c} color="geekblue">
              {codeName(c)}
            </Tag>
          ))}
        </Space>
        <Descriptions size="small" column={{ xs: 1, sm: 2, md: 3 }}>
          <Descriptions.Item label="镇（街道）">{task.town}</Descriptions.Item>
          <Descriptions.Item label="受理时间">{formatDateTime(task.createdAt)}</Descriptions.Item>
          <Descriptions.Item label="办理期限">
            {task.status === 'CLOSED' ? formatDate(task.dueAt) : <DueDate task={task} label="" />}
          </Descriptions.Item>
          <Descriptions.Item label="经办人员">{task.assignedTo?.displayName ?? '未分派'}</Descriptions.Item>
          {task.outcome != null && (
            <Descriptions.Item label="办结结果">
              {nameOf(OUTCOME, task.outcome)}
              {task.aidAmount != null ? ` · ${formatAmount(task.aidAmount)}` : ''}
            </Descriptions.Item>
          )}
          {task.closedAt != null && (
            <Descriptions.Item label="办结时间">{formatDateTime(task.closedAt)}</Descriptions.Item>
          )}
          {task.paperworkDueAt != null && (
            <Descriptions.Item label="补充材料期限">
              <span className={task.paperworkOverdue ? 'ew-overdue' : undefined}>
                {formatDate(task.paperworkDueAt)}
                {task.paperworkOverdue ? '（已逾期）' : ''}
              </span>
            </Descriptions.Item>
          )}
        </Descriptions>
        {task.signalsWithdrawn > 0 && task.status !== 'CLOSED' && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 12 }}
            message={`部分信号已撤销：${task.signalsWithdrawn} 条预警信号已不再符合，见下方预警信号及办理记录，请核实后办理`}
          />
        )}
        {task.reason && (
          <p className="ew-wrap">
            <strong>受理事由：</strong>
            {task.reason}
          </p>
        )}
        <TaskActions task={task} onChanged={reload} />
      </Card>

      {task.household != null && (
        <Card title="家庭信息" size="small">
          <Descriptions size="small" column={{ xs: 1, sm: 2 }}>
            <Descriptions.Item label="户编号">{task.household.householdNo}</Descriptions.Item>
            <Descriptions.Item label="村（社区）">{task.household.village ?? '—'}</Descriptions.Item>
            <Descriptions.Item label="地址">
              <span className="ew-wrap">{task.household.address ?? '—'}</span>
            </Descriptions.Item>
            <Descriptions.Item label="区域类型">
              {nameOf(AREA_TYPE, task.household.areaType)}
            </Descriptions.Item>
            <Descriptions.Item label="家庭月收入">
              {formatAmount(task.household.monthlyIncome)}
            </Descriptions.Item>
          </Descriptions>
          <List
            header={<strong>家庭成员</strong>}
            dataSource={task.household.members}
            renderItem={(m) => (
              <List.Item key={m.personId}>
                <Space wrap size={[8, 4]}>
                  <span>
                    {m.name}（{nameOf(RELATION, m.relation)}，{nameOf(SEX, m.sex)}
                    {m.age !== null ? `，${m.age} 岁` : ''}）
                  </span>
                  <span className="ew-muted">身份证号 {m.idNumberMasked}</span>
                  {mayReveal && <RevealButton taskId={task.taskId} personId={m.personId} who={m.name} />}
                </Space>
              </List.Item>
            )}
          />
        </Card>
      )}
      {task.household == null && task.subject != null && (
        <Card title="当事人" size="small">
          <Descriptions size="small" column={{ xs: 1, sm: 2 }}>
            <Descriptions.Item label="姓名">{task.subject.name}</Descriptions.Item>
            <Descriptions.Item label="身份证号">
              <Space wrap>
                {task.subject.idNumberMasked ?? '—'}
                {mayReveal && task.subject.idNumberMasked && (
                  <RevealButton taskId={task.taskId} who={task.subject.name} />
                )}
              </Space>
            </Descriptions.Item>
            <Descriptions.Item label="村（社区）">{task.subject.village ?? '—'}</Descriptions.Item>
            <Descriptions.Item label="地址">
              <span className="ew-wrap">{task.subject.address ?? '—'}</span>
            </Descriptions.Item>
          </Descriptions>
        </Card>
      )}

      {signals.length > 0 && (
        <Card title={`预警信号（${signals.length}）`} size="small">
          <List
            dataSource={signals}
            renderItem={(s) => (
              <List.Item key={s.id}>
                <Space direction="vertical" size={2} style={{ width: '100%' }}>
                  <Space wrap size={[4, 4]}>
                    <Tag color="geekblue">{codeName(s.code)}</Tag>
                    <SeverityTag severity={s.severity} />
                    {s.superseded && <Tag data-superseded>已撤销</Tag>}
                    {s.person && (
                      <span className="ew-muted">
                        {s.person.name} · {s.person.idNumber}
                      </span>
                    )}
                  </Space>
                  {/* a withdrawn signal is no longer current evidence: struck through */}
                  <span className="ew-wrap" data-signal-code={s.code}>
                    {s.superseded ? <del>{explainSignal(s)}</del> : explainSignal(s)}
                  </span>
                  <span className="ew-muted ew-wrap">来源：{sourceOf(s)}</span>
                  {s.superseded && (
                    <span className="ew-muted ew-wrap">
                      {formatDate(s.superseded.at)} 撤销：{s.superseded.reason ?? '不再符合'}
                    </span>
                  )}
                </Space>
              </List.Item>
            )}
          />
        </Card>
      )}

      {(task.visits ?? []).length > 0 && (
        <Card title="走访记录" size="small">
          <List
            dataSource={task.visits ?? []}
            renderItem={(v) => (
              <List.Item key={v.id}>
                <Space direction="vertical" size={2} className="ew-wrap">
                  <span>
                    {formatDate(v.visitedOn)} · {v.visitedBy} · 见到：{v.met}
                  </span>
                  {(['income', 'housing', 'health', 'other'] as const).map((k) =>
                    v.verified[k] === undefined || v.verified[k] === null ? null : (
                      <span key={k}>
                        {{ income: '收入', housing: '住房', health: '健康', other: '其他' }[k]}：
                        {typeof v.verified[k] === 'number'
                          ? formatNumber(v.verified[k])
                          : String(v.verified[k])}
                      </span>
                    ),
                  )}
                  {v.notes && <span>{v.notes}</span>}
                </Space>
              </List.Item>
            )}
          />
        </Card>
      )}

      <Card title="办理记录" size="small">
        <Timeline
          items={(task.events ?? []).map((e) => ({
            key: e.id,
            color:
              e.action === 'close' || e.action === 'approve'
                ? 'green'
                : e.action === 'transfer'
                  ? 'gray'
                  : 'blue',
            children: (
              <div className="ew-wrap">
                <strong>{nameOf(EVENT_ACTION, e.action)}</strong>
                {eventText(e) !== '' ? ` · ${eventText(e)}` : ''}
                <div className="ew-muted">
                  {formatDateTime(e.at)} · {e.actor}
                </div>
                {e.note && <div>{e.note}</div>}
              </div>
            ),
          }))}
        />
      </Card>
    </Space>
  );
}
