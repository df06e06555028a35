// 匹配复核: rows the matcher could not decide (several candidates, or an identity conflict). The
// data administrator picks the person or rejects the match; an accepted row goes on to the rules.
import { useState } from 'react';
import { Alert, Button, Card, Empty, List, Popconfirm, Select, Space, Spin, Tag, Typography } from 'antd';
import { api, query } from '../api.ts';
import { formatDate, formatDateTime, formatNumber } from '../format.ts';
import { errorText, useApi, useRunner } from '../hooks.ts';
import { FEED, ID_STATUS, REVIEW_KIND, REVIEW_STATUS, SEX, nameOf } from '../labels.ts';
import type { MaskedPerson, ReviewItem } from '../types.ts';

function person(p: MaskedPerson): string {
  return [
    p.nameMasked,
    p.idMasked ?? '无身份证号',
    p.birthDate ? `${formatDate(p.birthDate)} 出生` : null,
    p.gender ? nameOf(SEX, p.gender) : null,
    p.town,
  ]
    .filter((x) => x !== null && x !== '')
    .join(' · ');
}

export default function Reviews() {
  const [status, setStatus] = useState('OPEN');
  const { data, error, loading, reload } = useApi<{ reviews: ReviewItem[] }>(
    `/reviews${query({ status, limit: 100 })}`,
  );
  const run = useRunner();
  const decide = async (id: number, body: object, done: string) => {
    if (await run(() => api.post(`/reviews/${id}/decision`, body), done)) reload();
  };
  return (
    <>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        匹配复核
      </Typography.Title>
      <Space wrap className="ew-filters" style={{ marginBottom: 12 }}>
        <Select
          aria-label="复核状态"
          value={status}
          onChange={setStatus}
          options={['OPEN', 'ACCEPTED', 'REJECTED'].map((s) => ({ value: s, label: REVIEW_STATUS[s] }))}
        />
      </Space>
      {error && <Alert type="error" showIcon message={errorText(error)} />}
      {loading && data === null ? (
        <Spin />
      ) : (data?.reviews ?? []).length === 0 ? (
        <Empty description="没有待复核的记录" />
      ) : (
        <List
          dataSource={data?.reviews ?? []}
          renderItem={(r) => (
            <List.Item key={r.reviewId}>
              <Card
                size="small"
                style={{ width: '100%' }}
                title={
                  <span className="ew-wrap">
                    复核 #{r.reviewId} · {nameOf(FEED, r.feed)} {r.period} · 第 {r.importId} 批第 {r.rowNo} 行
                  </span>
                }
                extra={<Tag>{nameOf(REVIEW_KIND, r.kind)}</Tag>}
              >
                <p className="ew-wrap">
                  数据中的人员：{person(r.row)}（身份证号{nameOf(ID_STATUS, r.row.idStatus)}）
                </p>
                {r.status !== 'OPEN' ? (
                  <p>
                    {nameOf(REVIEW_STATUS, r.status)} · {r.decidedBy} · {formatDateTime(r.decidedAt)}
                  </p>
                ) : (
                  <>
                    <List
                      size="small"
                      header="候选人员"
                      dataSource={r.candidates}
                      renderItem={(c) => (
                        <List.Item
                          key={c.personId}
                          actions={[
                            <Button
                              key="accept"
                              size="small"
                              type="primary"
                              disabled={!c.active}
                              onClick={() => void decide(r.reviewId, { personId: c.personId }, '已确认匹配')}
                            >
                              确认为此人
                            </Button>,
                          ]}
                        >
                          <span className="ew-wrap">
                            {person(c)}
                            {c.householdNo ? ` · 户 ${c.householdNo}` : ''} · 匹配度 {formatNumber(c.score)}
                            {c.active ? '' : '（已迁出户籍库）'}
                          </span>
                        </List.Item>
                      )}
                    />
                    <Popconfirm
                      title="确认都不是此人？"
                      okText="驳回"
                      cancelText="取消"
                      onConfirm={() => void decide(r.reviewId, { reject: true }, '已驳回')}
                    >
                      <Button danger style={{ marginTop: 8 }}>
                        都不是（驳回）
                      </Button>
                    </Popconfirm>
                  </>
                )}
              </Card>
            </List.Item>
          )}
        />
      )}
    </>
  );
}
