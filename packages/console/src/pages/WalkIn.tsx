// 一门受理: a case opened by hand (a walk-in, a village's report, a phone call) — for a registered
// household by its number, or for a person not (yet) in the register. POST /tasks.
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { Button, Card, Form, Input, Radio, Select } from 'antd';
import { api } from '../api.ts';
import { useRunner, useTowns } from '../hooks.ts';
import { SEVERITY, SOURCE } from '../labels.ts';
import { useMe } from '../session.tsx';
import type { TaskSummary } from '../types.ts';

interface Values {
  source: string;
  reason: string;
  severity?: string;
  who: 'household' | 'subject';
  householdNo?: string;
  name?: string;
  idNumber?: string;
  townId?: number;
  address?: string;
  village?: string;
}

export default function WalkIn() {
  const me = useMe();
  const towns = useTowns();
  const navigate = useNavigate();
  const run = useRunner();
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<Values>();
  const who = Form.useWatch('who', form) ?? 'household';

  const submit = async (v: Values) => {
    const base = {
      source: v.source,
      reason: v.reason.trim(),
      ...(v.severity ? { severity: v.severity } : {}),
    };
    const body =
      v.who === 'household'
        ? { ...base, householdNo: v.householdNo?.trim() }
        : {
            ...base,
            subject: {
              name: v.name?.trim(),
              ...(v.idNumber?.trim() ? { idNumber: v.idNumber.trim() } : {}),
              townId: me.role === 'CASEWORKER' ? me.townId : v.townId,
              address: v.address?.trim(),
              ...(v.village?.trim() ? { village: v.village.trim() } : {}),
            },
          };
    setBusy(true);
    let created: TaskSummary | null = null;
    await run(async () => {
      created = (await api.post<{ task: TaskSummary }>('/tasks', body)).task;
    }, '已受理');
    setBusy(false);
    if (created !== null) void navigate(`/console/tasks/${(created as TaskSummary).taskId}`);
  };

  return (
    <Card
      title={<h2 style={{ fontSize: 18, margin: 0 }}>一门受理（登记来访、报告、来电）</h2>}
      style={{ maxWidth: 640 }}
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{ source: 'WALK_IN', who: 'household' }}
        onFinish={(v: Values) => void submit(v)}
      >
        <Form.Item label="来源" name="source" rules={[{ required: true }]}>
          <Select
            options={['WALK_IN', 'VILLAGE_REPORT', 'PHONE', 'OTHER'].map((s) => ({
              value: s,
              label: SOURCE[s],
            }))}
          />
        </Form.Item>
        <Form.Item
          label="受理事由"
          name="reason"
          rules={[{ required: true, whitespace: true, message: '请填写受理事由' }]}
        >
          <Input.TextArea rows={3} maxLength={2000} placeholder="例如：家庭成员突发重病，医疗费用负担重" />
        </Form.Item>
        <Form.Item label="风险等级（可不填）" name="severity">
          <Select
            allowClear
            options={['high', 'medium', 'low'].map((s) => ({ value: s, label: `${SEVERITY[s]}风险` }))}
          />
        </Form.Item>
        <Form.Item label="对象" name="who">
          <Radio.Group
            options={[
              { value: 'household', label: '已登记家庭（户编号）' },
              { value: 'subject', label: '未登记人员' },
            ]}
          />
        </Form.Item>
        {who === 'household' ? (
          <Form.Item
            label="户编号"
            name="householdNo"
            rules={[{ required: true, whitespace: true, message: '请填写户编号' }]}
          >
            <Input maxLength={64} />
          </Form.Item>
        ) : (
          <>
            <Form.Item
              label="姓名"
              name="name"
              rules={[{ required: true, whitespace: true, message: '请填写姓名' }]}
            >
              <Input maxLength={100} />
            </Form.Item>
            <Form.Item label="身份证号（可不填）" name="idNumber">
              <Input maxLength={30} autoComplete="off" />
            </Form.Item>
            {me.role !== 'CASEWORKER' && (
              <Form.Item
                label="镇（街道）"
                name="townId"
                rules={[{ required: true, message: '请选择镇（街道）' }]}
              >
                <Select options={towns.map((t) => ({ value: t.id, label: t.name }))} />
              </Form.Item>
            )}
            <Form.Item
              label="地址"
              name="address"
              rules={[{ required: true, whitespace: true, message: '请填写地址' }]}
            >
              <Input maxLength={200} />
            </Form.Item>
            <Form.Item label="村（社区）（可不填）" name="village">
              <Input maxLength={100} />
            </Form.Item>
          </>
        )}
        <Button type="primary" htmlType="submit" loading={busy}>
          受理
        </Button>
      </Form>
    </Card>
  );
}
