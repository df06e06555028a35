// A list of tasks as cards (a table would scroll sideways on a phone): severity, status, signals,
// where, deadline (overdue in red), who has it. Each card is a link to the task page.
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Empty, List, Space, Tag, Typography } from 'antd';
import { formatAmount, formatDate } from '../format.ts';
import { codeName } from '../explain.ts';
import { OUTCOME, SEVERITY, SEVERITY_COLOR, SOURCE, STATUS, STATUS_COLOR, nameOf } from '../labels.ts';
import type { TaskSummary } from '../types.ts';

export function StatusTag({ status }: { status: string }) {
  return <Tag color={STATUS_COLOR[status] ?? 'default'}>{nameOf(STATUS, status)}</Tag>;
}

export function SeverityTag({ severity }: { severity: string }) {
  return <Tag color={SEVERITY_COLOR[severity] ?? 'default'}>{nameOf(SEVERITY, severity)}风险</Tag>;
}

/** Some of the task's signals are no longer true (a new standard, a corrected file). */
export function WithdrawnTag({ task }: { task: Pick<TaskSummary, 'signalsWithdrawn'> }) {
  if (!(task.signalsWithdrawn > 0)) return null;
  return (
    <Tag color="warning" data-signals-withdrawn={task.signalsWithdrawn}>
      部分信号已撤销
    </Tag>
  );
}

export function DueDate({
  task,
  label = '期限 ',
}: {
  task: Pick<TaskSummary, 'dueAt' | 'overdue' | 'status'>;
  label?: string;
}) {
  if (task.status === 'CLOSED') return null;
  return task.overdue ? (
    <span className="ew-overdue">
      <Tag color="red">已逾期</Tag>
      {label}
      {formatDate(task.dueAt)}
    </span>
  ) : (
    <span>
      {label}
      {formatDate(task.dueAt)}
    </span>
  );
}

export function taskTitle(t: Pick<TaskSummary, 'householdNo' | 'subjectName' | 'taskId'>): string {
  if (t.householdNo != null) return `户 ${t.householdNo}${t.subjectName ? ` · ${t.subjectName}` : ''}`;
  return t.subjectName ?? `任务 ${t.taskId}`;
}

export function TaskList({
  tasks,
  loading,
  extra,
  footer,
}: {
  tasks: TaskSummary[];
  loading: boolean;
  /** Something beside each card (a supervisor's assign button). */
  extra?: (task: TaskSummary) => ReactNode;
  footer?: ReactNode;
}) {
  return (
    <List
      loading={loading}
      dataSource={tasks}
      locale={{ emptyText: <Empty description="没有符合条件的任务" /> }}
      footer={footer}
      renderItem={(t) => (
        <List.Item key={t.taskId} actions={extra ? [extra(t)] : []} data-task-id={t.taskId}>
          <Link
            to={`/console/tasks/${t.taskId}`}
            className="ew-task-item"
            aria-label={`任务 ${t.taskId}：${taskTitle(t)}`}
          >
            <Space direction="vertical" size={2} style={{ width: '100%' }}>
              <Space wrap size={[4, 4]}>
                <Typography.Text strong>#{t.taskId}</Typography.Text>
                <SeverityTag severity={t.severity} />
                <StatusTag status={t.status} />
                <WithdrawnTag task={t} />
                {t.source != null && t.source !== 'ALERT' && <Tag>{nameOf(SOURCE, t.source)}</Tag>}
                {t.codes.map((c) => (
                  <Tag key={c} color="geekblue">
                    {codeName(c)}
                  </Tag>
                ))}
              </Space>
              <span className="ew-wrap">
                {taskTitle(t)} · {t.town}
                {t.village ? ` · ${t.village}` : ''}
                {t.address ? ` · ${t.address}` : ''}
              </span>
              <Space wrap size={[12, 0]} className="ew-muted">
                <DueDate task={t} />
                <span>经办：{t.assignedTo?.displayName ?? '未分派'}</span>
                {t.outcome != null && (
                  <span>
                    结果：{nameOf(OUTCOME, t.outcome)}
                    {t.aidAmount != null ? ` ${formatAmount(t.aidAmount)}` : ''}
                  </span>
                )}
                {t.paperworkDueAt && (
                  <span className={t.paperworkOverdue ? 'ew-overdue' : undefined}>
                    补充材料期限 {formatDate(t.paperworkDueAt)}
                    {t.paperworkOverdue ? '（已逾期）' : ''}
                  </span>
                )}
              </Space>
            </Space>
          </Link>
        </List.Item>
      )}
    />
  );
}
