// A supervisor assigns (or reassigns) a task to an active caseworker of the task's town.
import { useState } from 'react';
import { Form, Input, Modal, Select } from 'antd';
import { api } from '../api.ts';
import { useApi, useRunner } from '../hooks.ts';
import { query } from '../api.ts';
import type { TaskSummary, UserView } from '../types.ts';

export function AssignModal({
  task,
  onClose,
  onDone,
}: {
  task: Pick<TaskSummary, 'taskId' | 'version' | 'town' | 'assignedTo'>;
  onClose: () => void;
  onDone: () => void;
}) {
  const { data } = useApi<{ users: UserView[] }>(`/users${query({ role: 'CASEWORKER', town: task.town })}`);
  const run = useRunner();
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ userId: number; note?: string }>();
  const users = (data?.users ?? []).filter((u) => u.active);
  const submit = async () => {
    const values = await form.validateFields();
    setBusy(true);
    const ok = await run(
      () => api.post(`/tasks/${task.taskId}/assign`, { ...values, version: task.version }),
      '已分派',
    );
    setBusy(false);
    if (ok) onDone();
  };
  return (
    <Modal
      open
      title={`分派任务 #${task.taskId}（${task.town}）`}
      okText="分派"
      cancelText="取消"
      confirmLoading={busy}
      onOk={() => void submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <Form form={form} layout="vertical">
        <Form.Item label="经办人员" name="userId" rules={[{ required: true, message: '请选择经办人员' }]}>
          <Select
            placeholder="选择本镇经办人员"
            options={users.map((u) => ({ value: u.id, label: `${u.displayName}（${u.username}）` }))}
            showSearch
            optionFilterProp="label"
          />
        </Form.Item>
        <Form.Item label="备注" name="note">
          <Input.TextArea rows={2} maxLength={2000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
