// Sign-in: username and password → POST /auth/login. The page stays at the address asked for and
// shows it once signed in.
import { useState } from 'react';
import { Alert, Button, Card, Form, Input } from 'antd';
import { ApiError } from '../api.ts';
import { useSession } from '../session.tsx';

export function SignIn({ expired }: { expired: boolean }) {
  const { signIn } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (values: { username: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      await signIn(values.username.trim(), values.password);
    } catch (e) {
      const code = e instanceof ApiError ? e.code : '';
      setError(
        code === 'LOGIN_FAILED'
          ? '用户名或密码不正确'
          : code === 'LOGIN_THROTTLED'
            ? '登录尝试过多，请稍后再试'
            : `登录失败：${e instanceof Error ? e.message : String(e)}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="ew-signin">
      <Card title={<h1 style={{ fontSize: 18, margin: 0 }}>社会救助预警 · 工作台</h1>}>
        {expired && (
          <Alert type="warning" showIcon message="登录已过期，请重新登录" style={{ marginBottom: 16 }} />
        )}
        {error !== null && (
          <Alert type="error" showIcon message={error} role="alert" style={{ marginBottom: 16 }} />
        )}
        <Form
          layout="vertical"
          onFinish={(v: { username: string; password: string }) => void submit(v)}
          requiredMark={false}
        >
          <Form.Item label="用户名" name="username" rules={[{ required: true, message: '请输入用户名' }]}>
            <Input autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label="密码" name="password" rules={[{ required: true, message: '请输入密码' }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            登录
          </Button>
        </Form>
      </Card>
    </main>
  );
}
