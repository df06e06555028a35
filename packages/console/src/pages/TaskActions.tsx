// The task's allowedActions as buttons; each opens its form (or asks for a note) and POSTs
// /tasks/:id/<action> with the task's version (a stale version answers 409 TASK_STALE).
import { useState } from 'react';
import { Button, Checkbox, DatePicker, Form, Input, InputNumber, Modal, Select, Space } from 'antd';
import type { Dayjs } from 'dayjs';
import dayjs from 'dayjs';
import { api } from '../api.ts';
import { useRunner, useTowns } from '../hooks.ts';
import { ACTION, AID_OUTCOMES, OUTCOME, nameOf } from '../labels.ts';
import { AssignModal } from '../components/AssignModal.tsx';
import type { TaskDetail } from '../types.ts';

/** allowedActions may name an action by its route or its event name. */
const ALIASES: Record<string, string> = {
  start_visit: 'start-visit',
  record_visit: 'visits',
  'record-visit': 'visits',
  visit: 'visits',
  record_paperwork: 'paperwork',
  'record-paperwork': 'paperwork',
};
const ORDER = [
  'claim',
  'assign',
  'start-visit',
  'visits',
  'close',
  'approve',
  'return',
  'paperwork',
  'transfer',
];

export function actionsOf(allowed: string[]): string[] {
  const names = new Set(allowed.map((a) => ALIASES[a] ?? a));
  names.delete('reveal');
  const rank = (a: string) => (ORDER.includes(a) ? ORDER.indexOf(a) : ORDER.length);
  return [...names].sort((a, b) => rank(a) - rank(b));
}

type Values = Record<string, unknown>;

/** What each form sends (undefined/empty fields left out). */
function bodyOf(action: string, v: Values): Values {
  const clean = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined && x !== ''));
  if (action === 'visits') {
    const verified = Object.fromEntries(
      ['income', 'housing', 'health', 'other'].flatMap((k) => (clean[k] ? [[k, clean[k]]] : [])),
    );
    return {
      visitedOn: (clean.visitedOn as Dayjs).format('YYYY-MM-DD'),
      met: clean.met,
      verified,
      ...(clean.notes ? { notes: clean.notes } : {}),
    };
  }
  if (action === 'close') {
    const aid = AID_OUTCOMES.has(clean.outcome as string);
    return {
      outcome: clean.outcome,
      ...(aid ? { aidAmount: clean.aidAmount } : {}),
      ...(clean.note ? { note: clean.note } : {}),
      ...(clean.outcome === 'TEMP_AID_EMERGENCY' ? { paperworkDue: clean.paperworkDue === true } : {}),
    };
  }
  return clean;
}

function ActionForm({ action, task }: { action: string; task: TaskDetail }) {
  const towns = useTowns();
  const outcome = Form.useWatch<string | undefined>('outcome', Form.useFormInstance());
  switch (action) {
    case 'visits':
      return (
        <>
          <Form.Item
            label="走访日期"
            name="visitedOn"
            rules={[{ required: true, message: '请选择走访日期' }]}
          >
            <DatePicker style={{ width: '100%' }} disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
          </Form.Item>
          <Form.Item
            label="被访人（见到的人）"
            name="met"
            rules={[{ required: true, whitespace: true, message: '请填写见到的人，如“户主本人”' }]}
          >
            <Input maxLength={200} placeholder="如：户主本人、配偶、村委会主任" />
          </Form.Item>
          <Form.Item label="收入核实情况" name="income">
            <Input.TextArea rows={2} maxLength={2000} />
          </Form.Item>
          <Form.Item label="住房核实情况" name="housing">
            <Input.TextArea rows={2} maxLength={2000} />
          </Form.Item>
          <Form.Item label="健康核实情况" name="health">
            <Input.TextArea rows={2} maxLength={2000} />
          </Form.Item>
          <Form.Item label="其他情况" name="other">
            <Input.TextArea rows={2} maxLength={2000} />
          </Form.Item>
          <Form.Item label="走访记录" name="notes">
            <Input.TextArea rows={3} maxLength={4000} />
          </Form.Item>
        </>
      );
    case 'close':
      return (
        <>
          <Form.Item label="办结结果" name="outcome" rules={[{ required: true, message: '请选择办结结果' }]}>
            <Select
              options={Object.entries(OUTCOME).map(([value, label]) => ({ value, label }))}
              placeholder="选择结果"
            />
          </Form.Item>
          {outcome !== undefined && AID_OUTCOMES.has(outcome) && (
            <Form.Item
              label="救助金额（元）"
              name="aidAmount"
              rules={[
                { required: true, message: '请输入救助金额' },
                { type: 'number', min: 0.01, message: '金额须大于 0' },
              ]}
            >
              <InputNumber style={{ width: '100%' }} min={0.01} precision={2} step={100} prefix="¥" />
            </Form.Item>
          )}
          {outcome === 'CASE_BY_CASE' && <p className="ew-muted">一事一议须经督办人员审批后办结。</p>}
          {outcome === 'TEMP_AID_EMERGENCY' && (
            <Form.Item name="paperworkDue" valuePropName="checked">
              <Checkbox>先行救助，材料后补（设补充材料期限）</Checkbox>
            </Form.Item>
          )}
          <Form.Item label="办结说明" name="note">
            <Input.TextArea rows={3} maxLength={2000} />
          </Form.Item>
        </>
      );
    case 'transfer':
      return (
        <>
          <Form.Item
            label="转至镇（街道）"
            name="townId"
            rules={[{ required: true, message: '请选择转入的镇（街道）' }]}
          >
            <Select
              options={towns.filter((t) => t.id !== task.townId).map((t) => ({ value: t.id, label: t.name }))}
              placeholder="选择镇（街道）"
            />
          </Form.Item>
          <Form.Item label="转办原因" name="reason" rules={[{ required: true, message: '请填写转办原因' }]}>
            <Input.TextArea rows={3} maxLength={2000} />
          </Form.Item>
        </>
      );
    case 'return':
      return (
        <Form.Item label="退回意见" name="note" rules={[{ required: true, message: '请填写退回意见' }]}>
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
      );
    default:
      return (
        <Form.Item label="备注" name="note">
          <Input.TextArea rows={2} maxLength={2000} />
        </Form.Item>
      );
  }
}

export function TaskActions({ task, onChanged }: { task: TaskDetail; onChanged: () => void }) {
  const [open, setOpen] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<Values>();
  const run = useRunner();
  const actions = actionsOf(task.allowedActions ?? []);
  if (actions.length === 0) return null;

  const submit = async () => {
    if (open === null) return;
    const values = await form.validateFields();
    setBusy(true);
    const ok = await run(
      () => api.post(`/tasks/${task.taskId}/${open}`, { ...bodyOf(open, values), version: task.version }),
      `${nameOf(ACTION, open)}：已完成`,
    );
    setBusy(false);
    if (ok) {
      setOpen(null);
      form.resetFields();
    }
    // a stale task is reloaded too: the page then shows what changed and what may be done now
    onChanged();
  };

  return (
    <>
      <Space wrap aria-label="可办理的操作">
        {actions.map((a, i) => (
          <Button
            key={a}
            type={i === 0 ? 'primary' : 'default'}
            onClick={() => {
              form.resetFields();
              if (a === 'visits') form.setFieldsValue({ visitedOn: dayjs() });
              setOpen(a);
            }}
          >
            {nameOf(ACTION, a)}
          </Button>
        ))}
      </Space>
      {open === 'assign' ? (
        <AssignModal
          task={task}
          onClose={() => setOpen(null)}
          onDone={() => {
            setOpen(null);
            onChanged();
          }}
        />
      ) : (
        <Modal
          open={open !== null}
          title={open === null ? '' : `${nameOf(ACTION, open)} · 任务 #${task.taskId}`}
          okText="确定"
          cancelText="取消"
          confirmLoading={busy}
          onOk={() => void submit()}
          onCancel={() => setOpen(null)}
          forceRender
        >
          <Form form={form} layout="vertical" name={`action-${open ?? 'none'}`}>
            {open !== null && <ActionForm action={open} task={task} />}
          </Form>
        </Modal>
      )}
    </>
  );
}
