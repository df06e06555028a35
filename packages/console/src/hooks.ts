// Small data hooks over the API.
import { useCallback, useEffect, useState } from 'react';
import { App } from 'antd';
import { api, ApiError } from './api.ts';
import type { Town } from './types.ts';

/** A message for people from whatever an API call threw. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const known: Record<string, string> = {
      TASK_STALE: '任务已被他人更新，请刷新后重试',
      TRANSITION_NOT_ALLOWED: '任务当前状态不允许此操作',
      FORBIDDEN: '您无权进行此操作',
      NOT_FOUND: '未找到',
      CSRF_FAILED: '页面已过期，请刷新',
      VALIDATION_FAILED: '填写的内容不符合要求',
      TASK_NOT_CLAIMABLE: '任务已被认领或不在待受理状态',
      DELIVERY_EXISTS: '该数据期已有导入，如需替换请勾选“替换已有数据”',
      FEED_UNKNOWN: '未知的数据来源',
      PERIOD_INVALID: '数据期格式应为 YYYY-MM 或 YYYY-MM-DD',
      PAYLOAD_TOO_LARGE: '文件过大',
      UNAVAILABLE: '服务暂不可用，请稍后再试',
    };
    const text = known[e.code];
    return text === undefined ? `${e.message}（${e.code}）` : `${text}（${e.code}）`;
  }
  return e instanceof Error ? e.message : String(e);
}

/** GET `path` (null: nothing yet); `reload` fetches again. Errors go to the page's message. */
export function useApi<T>(path: string | null): {
  data: T | null;
  error: ApiError | Error | null;
  loading: boolean;
  reload: () => void;
} {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setLoading(true);
    api
      .get<T>(path)
      .then((d) => {
        if (!live) return;
        setData(d);
        setError(null);
      })
      .catch((e: unknown) => live && setError(e instanceof Error ? e : new Error(String(e))))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [path, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data, error, loading, reload };
}

export function useTowns(): Town[] {
  const { data } = useApi<{ towns: Town[] }>('/towns');
  return data?.towns ?? [];
}

/** Runs an action, shows its error as a message; resolves true on success. */
export function useRunner(): (what: () => Promise<unknown>, done?: string) => Promise<boolean> {
  const { message } = App.useApp();
  return useCallback(
    async (what, done) => {
      try {
        await what();
        if (done) void message.success(done);
        return true;
      } catch (e) {
        void message.error(errorText(e));
        return false;
      }
    },
    [message],
  );
}
