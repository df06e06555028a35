// 各镇统计: per town, open tasks, overdue, waiting for approval, paperwork due and overdue.
import { Link } from 'react-router';
import { Alert, Table, Typography } from 'antd';
import { errorText, useApi } from '../hooks.ts';
import type { TownSummary } from '../types.ts';

export default function TownsSummary() {
  const { data, error, loading } = useApi<{ towns: TownSummary[] }>('/towns/summary');
  const rows = data?.towns ?? [];
  const total = (k: keyof TownSummary) => rows.reduce((n, r) => n + (Number(r[k]) || 0), 0);
  return (
    <>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        各镇统计
      </Typography.Title>
      {error && <Alert type="error" showIcon message={errorText(error)} />}
      <Table<TownSummary>
        rowKey="townId"
        loading={loading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: 'max-content' }}
        columns={[
          {
            title: '镇（街道）',
            dataIndex: 'town',
            render: (town: string) => (
              <Link to={`/console/queue?town=${encodeURIComponent(town)}`}>{town}</Link>
            ),
          },
          { title: '未办结', dataIndex: 'open', align: 'right' },
          {
            title: '逾期',
            dataIndex: 'overdue',
            align: 'right',
            render: (n: number, r) =>
              n > 0 ? (
                <Link
                  className="ew-overdue"
                  to={`/console/queue?overdue=true&town=${encodeURIComponent(r.town)}`}
                >
                  {n}
                </Link>
              ) : (
                n
              ),
          },
          { title: '待审批', dataIndex: 'pendingApproval', align: 'right' },
          { title: '待补材料', dataIndex: 'paperworkDue', align: 'right' },
          {
            title: '补材料逾期',
            dataIndex: 'paperworkOverdue',
            align: 'right',
            render: (n: number) => (n > 0 ? <span className="ew-overdue">{n}</span> : n),
          },
        ]}
        summary={() =>
          rows.length > 1 ? (
            <Table.Summary.Row>
              <Table.Summary.Cell index={0}>合计</Table.Summary.Cell>
              {(['open', 'overdue', 'pendingApproval', 'paperworkDue', 'paperworkOverdue'] as const).map(
                (k, i) => (
                  <Table.Summary.Cell key={k} index={i + 1} align="right">
                    {total(k)}
                  </Table.Summary.Cell>
                ),
              )}
            </Table.Summary.Row>
          ) : null
        }
      />
    </>
  );
}
