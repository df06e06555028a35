// 逾期督办: open tasks past their deadline, and closed tasks whose paperwork is still due (emergency
// aid given first, papers later), optionally for one town.
import { useState } from 'react';
import { Alert, Select, Space, Tabs, Typography } from 'antd';
import { query } from '../api.ts';
import { errorText, useApi, useTowns } from '../hooks.ts';
import { TaskList } from '../components/TaskList.tsx';
import type { TaskSummary } from '../types.ts';

export default function Overdue() {
  const towns = useTowns();
  const [town, setTown] = useState<string | undefined>();
  const tasks = useApi<{ tasks: TaskSummary[]; nextCursor: string | null }>(
    `/tasks${query({ overdue: true, town, limit: 200 })}`,
  );
  const paperwork = useApi<{ tasks: TaskSummary[] }>(`/paperwork${query({ town })}`);
  return (
    <>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        逾期督办
      </Typography.Title>
      <Space wrap className="ew-filters" style={{ marginBottom: 12 }}>
        <Select
          aria-label="镇（街道）"
          placeholder="全部镇（街道）"
          allowClear
          value={town}
          onChange={(v?: string) => setTown(v)}
          options={towns.map((t) => ({ value: t.name, label: t.name }))}
        />
      </Space>
      <Tabs
        items={[
          {
            key: 'tasks',
            label: `逾期任务${tasks.data ? `（${tasks.data.tasks.length}${tasks.data.nextCursor ? '+' : ''}）` : ''}`,
            children: (
              <>
                {tasks.error && <Alert type="error" showIcon message={errorText(tasks.error)} />}
                <TaskList tasks={tasks.data?.tasks ?? []} loading={tasks.loading} />
              </>
            ),
          },
          {
            key: 'paperwork',
            label: `待补充材料${paperwork.data ? `（${paperwork.data.tasks.length}）` : ''}`,
            children: (
              <>
                {paperwork.error && <Alert type="error" showIcon message={errorText(paperwork.error)} />}
                <TaskList tasks={paperwork.data?.tasks ?? []} loading={paperwork.loading} />
              </>
            ),
          },
        ]}
      />
    </>
  );
}
