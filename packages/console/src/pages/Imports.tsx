// 数据导入: upload a department's file (feed, period, replace) with progress, and the list of
// imports, newest first (paged by beforeId).
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Alert, Button, Card, Checkbox, Form, Input, Progress, Select, Table, Tag, Typography } from 'antd';
import { query } from '../api.ts';
import { errorText, useApi } from '../hooks.ts';
import { formatDateTime, formatNumber } from '../format.ts';
import { FEED, IMPORT_STATUS, nameOf } from '../labels.ts';
import { upload } from '../upload.ts';
import type { ImportView } from '../types.ts';

const FEEDS = ['education', 'hr', 'housing', 'medical', 'rural'];
const PAGE = 50;

export function ImportStatusTag({ status }: { status: string }) {
  const color =
    status === 'EVALUATED' ? 'green' : status === 'REFUSED' || status === 'FAILED' ? 'red' : 'blue';
  return <Tag color={color}>{nameOf(IMPORT_STATUS, status)}</Tag>;
}

function UploadForm() {
  const navigate = useNavigate();
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (v: { feed: string; period: string; replace?: boolean }) => {
    if (file === null) {
      setError('请选择文件');
      return;
    }
    setError(null);
    setProgress(0);
    try {
      const answer = await upload<{ importId: number }>(
        '/imports',
        { feed: v.feed, period: v.period.trim(), ...(v.replace ? { replace: 'true' } : {}) },
        file,
        setProgress,
      );
      void navigate(`/console/imports/${answer.importId}`);
    } catch (e) {
      setError(errorText(e));
      setProgress(null);
    }
  };
  return (
    <Card title="上传数据文件" size="small" style={{ marginBottom: 16 }}>
      {error !== null && (
        <Alert type="error" showIcon message={error} role="alert" style={{ marginBottom: 12 }} />
      )}
      <Form
        layout="vertical"
        onFinish={(v: { feed: string; period: string; replace?: boolean }) => void submit(v)}
      >
        <Form.Item label="数据来源" name="feed" rules={[{ required: true, message: '请选择数据来源' }]}>
          <Select
            options={FEEDS.map((f) => ({ value: f, label: `${FEED[f]}（${f}）` }))}
            placeholder="选择部门"
          />
        </Form.Item>
        <Form.Item
          label="数据期"
          name="period"
          rules={[
            { required: true, message: '请填写数据期' },
            { pattern: /^\d{4}-\d{2}(-\d{2})?$/, message: '格式：YYYY-MM 或 YYYY-MM-DD' },
          ]}
        >
          <Input placeholder="2023-03 或 2023-03-31" maxLength={10} />
        </Form.Item>
        <Form.Item label="文件（CSV 或 XLSX）" htmlFor="ew-upload-file" required>
          <input
            id="ew-upload-file"
            type="file"
            accept=".csv,.xlsx,.txt"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </Form.Item>
        <Form.Item name="replace" valuePropName="checked">
          <Checkbox>替换该数据期已有的数据</Checkbox>
        </Form.Item>
        {progress !== null && (
          <Progress
            percent={Math.round(progress * 100)}
            status={progress < 1 ? 'active' : 'success'}
            aria-label="上传进度"
          />
        )}
        <Button type="primary" htmlType="submit" loading={progress !== null && progress < 1}>
          上传
        </Button>
      </Form>
    </Card>
  );
}

export default function Imports() {
  const [beforeId, setBeforeId] = useState<number | undefined>();
  const [older, setOlder] = useState<ImportView[]>([]);
  const { data, error, loading } = useApi<{ imports: ImportView[] }>(
    `/imports${query({ limit: PAGE, beforeId })}`,
  );
  const rows = [...older, ...(data?.imports ?? [])];
  const more = () => {
    const last = data?.imports.at(-1);
    if (last === undefined) return;
    setOlder(rows);
    setBeforeId(last.importId);
  };
  return (
    <>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        数据导入
      </Typography.Title>
      <UploadForm />
      {error && <Alert type="error" showIcon message={errorText(error)} />}
      <Table<ImportView>
        rowKey="importId"
        size="small"
        loading={loading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: 'max-content' }}
        columns={[
          {
            title: '批次',
            dataIndex: 'importId',
            render: (id: number) => <Link to={`/console/imports/${id}`}>#{id}</Link>,
          },
          { title: '来源', dataIndex: 'feed', render: (f: string) => nameOf(FEED, f) },
          { title: '数据期', dataIndex: 'period' },
          { title: '文件', dataIndex: 'fileName' },
          { title: '状态', dataIndex: 'status', render: (s: string) => <ImportStatusTag status={s} /> },
          { title: '读取', dataIndex: 'rowsRead', align: 'right', render: formatNumber },
          { title: '接收', dataIndex: 'rowsAccepted', align: 'right', render: formatNumber },
          { title: '拒收', dataIndex: 'rowsRejected', align: 'right', render: formatNumber },
          { title: '上传人', dataIndex: 'requestedBy' },
          { title: '上传时间', dataIndex: 'createdAt', render: formatDateTime },
        ]}
      />
      {data !== null && data.imports.length === PAGE && (
        <Button block onClick={more} style={{ marginTop: 8 }}>
          加载更多
        </Button>
      )}
    </>
  );
}
