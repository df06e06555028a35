import { Result } from 'antd';

/** 未找到: a page or a record that does not exist, or that the caller may not see (the server says 404 for both). */
export function NotFound({ what = '页面' }: { what?: string }) {
  return <Result status="404" title="未找到" subTitle={`没有这个${what}，或您无权查看。`} />;
}
