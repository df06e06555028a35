// The import report: counts, changes since the previous delivery, rejects by reason (with the
// masked examples and the CSV download for the department), matching, signals and alerts. Polls
// until the import has finished.
import { useEffect } from 'react';
import { Link, useParams } from 'react-router';
import { Alert, Button, Card, Descriptions, List, Space, Spin, Typography } from 'antd';
import { ApiError } from '../api.ts';
import { codeName } from '../explain.ts';
import { formatNumber } from '../format.ts';
import { errorText, useApi } from '../hooks.ts';
import { FEED, IMPORT_FINAL, MATCH_METHOD, nameOf } from '../labels.ts';
import { NotFound } from '../components/NotFound.tsx';
import { ImportStatusTag } from './Imports.tsx';
import type { ImportReport } from '../types.ts';

export default function ImportReportPage() {
  const { id } = useParams();
  const valid = id !== undefined && /^\d{1,18}$/.test(id);
  const { data: report, error, reload } = useApi<ImportReport>(valid ? `/imports/${id}` : null);
  const running = report !== null && !IMPORT_FINAL.has(report.status);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(reload, 1500);
    return () => clearInterval(timer);
  }, [running, reload]);

  if (!valid || (error instanceof ApiError && error.status === 404)) return <NotFound what="导入批次" />;
  if (report === null) return error ? <Alert type="error" showIcon message={errorText(error)} /> : <Spin />;

  const warnings = report.warnings ?? [];
  return (
    <Space direction="vertical" size={12} style={{ width: '100%' }}>
      <Link to="/console/imports">← 返回导入列表</Link>
      <Card
        title={
          <span className="ew-wrap">
            导入报告 #{report.importId} · {nameOf(FEED, report.feed)} · {report.period}
          </span>
        }
        extra={<ImportStatusTag status={report.status} />}
      >
        {running && (
          <p role="status" aria-live="polite">
            <Spin size="small" /> 处理中，页面会自动更新…
          </p>
        )}
        {report.error !== null && (
          <Alert
            type="error"
            showIcon
            message={`整个文件未被接收：${report.error.message}`}
            description={`代码 ${report.error.code}`}
            style={{ marginBottom: 12 }}
          />
        )}
        {warnings.map((w, i) => (
          <Alert
            key={i}
            type="warning"
            showIcon
            message={typeof w === 'string' ? w : w.message}
            style={{ marginBottom: 8 }}
          />
        ))}
        <Descriptions size="small" column={{ xs: 1, sm: 2, md: 3 }} bordered>
          <Descriptions.Item label="文件">
            <span className="ew-wrap">{report.fileName}</span>
          </Descriptions.Item>
          <Descriptions.Item label="格式 / 编码">
            {report.format ?? '—'} / {report.encoding ?? '—'}
          </Descriptions.Item>
          <Descriptions.Item label="读取行数">{formatNumber(report.rowsRead)}</Descriptions.Item>
          <Descriptions.Item label="接收">{formatNumber(report.rowsAccepted)}</Descriptions.Item>
          <Descriptions.Item label="拒收">{formatNumber(report.rowsRejected)}</Descriptions.Item>
          <Descriptions.Item label="重复">{formatNumber(report.rowsDuplicate)}</Descriptions.Item>
          <Descriptions.Item label="与上期相比">
            {report.delta.previousImportId === null
              ? '首次报送'
              : `新增 ${formatNumber(report.delta.new)}，变化 ${formatNumber(report.delta.changed)}，消失 ${formatNumber(report.delta.gone)}`}
          </Descriptions.Item>
          <Descriptions.Item label="产生预警">{formatNumber(report.alertsRaised)}</Descriptions.Item>
          <Descriptions.Item label="待复核">
            {report.reviewsOpen > 0 ? <Link to="/console/reviews">{report.reviewsOpen} 条</Link> : '0'}
          </Descriptions.Item>
        </Descriptions>
      </Card>

      <Card
        title={`拒收明细（${formatNumber(report.rowsRejected)} 行）`}
        size="small"
        extra={
          report.rowsRejected > 0 ? (
            <Button href={`/imports/${report.importId}/rejects.csv`} download>
              下载拒收清单（CSV）
            </Button>
          ) : null
        }
      >
        {report.rejectsByReason.length === 0 ? (
          <span className="ew-muted">没有拒收的行</span>
        ) : (
          <List
            dataSource={report.rejectsByReason}
            renderItem={(r) => (
              <List.Item key={r.reason}>
                <Space direction="vertical" size={2} className="ew-wrap">
                  <strong>
                    {r.reason}：{formatNumber(r.rows)} 行
                  </strong>
                  {r.examples.map((x) => (
                    <span key={x.rowNo} className="ew-muted">
                      第 {x.rowNo} 行{x.column ? ` · ${x.column}` : ''}
                      {x.value ? ` · ${x.value}` : ''} · {x.message}
                    </span>
                  ))}
                </Space>
              </List.Item>
            )}
          />
        )}
      </Card>

      <Card title="比对与预警" size="small">
        <Descriptions size="small" column={1}>
          {Object.entries(report.matchedByMethod).map(([m, n]) => (
            <Descriptions.Item key={m} label={nameOf(MATCH_METHOD, m)}>
              {formatNumber(n)}
            </Descriptions.Item>
          ))}
          {Object.entries(report.signalsByCode).map(([c, n]) => (
            <Descriptions.Item key={c} label={`预警信号：${codeName(c)}`}>
              {formatNumber(n)}
            </Descriptions.Item>
          ))}
          {(report.signalsWithdrawn ?? 0) > 0 && (
            <Descriptions.Item label="已撤销的预警信号">
              {formatNumber(report.signalsWithdrawn)}
            </Descriptions.Item>
          )}
          {report.replaced != null && (
            <Descriptions.Item label={`被替换文件（第 ${report.replaced.replacedImportId} 批）撤销的信号`}>
              {formatNumber(report.replaced.signalsWithdrawn)}
            </Descriptions.Item>
          )}
        </Descriptions>
        <Typography.Text className="ew-muted">身份信息均已脱敏。</Typography.Text>
      </Card>
    </Space>
  );
}
