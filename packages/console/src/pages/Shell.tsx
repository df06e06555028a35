// The frame of every signed-in page: the title, the role's menu, who is signed in, sign-out.
import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import { Button, Menu } from 'antd';
import { ROLE, nameOf } from '../labels.ts';
import { useMe, useSession } from '../session.tsx';
import type { Role } from '../types.ts';

const MENUS: Record<Role, Array<{ to: string; label: string }>> = {
  CASEWORKER: [
    { to: '/console/queue', label: '核查任务' },
    { to: '/console/new-case', label: '一门受理' },
  ],
  SUPERVISOR: [
    { to: '/console/queue', label: '全部任务' },
    { to: '/console/approvals', label: '待审批' },
    { to: '/console/overdue', label: '逾期督办' },
    { to: '/console/towns', label: '各镇统计' },
    { to: '/console/reports', label: '统计报表' },
    { to: '/console/new-case', label: '一门受理' },
  ],
  DATA_ADMIN: [
    { to: '/console/imports', label: '数据导入' },
    { to: '/console/reviews', label: '匹配复核' },
  ],
  ADMIN: [],
  OPS: [],
};

/** Pages the API serves itself, outside the console: ordinary links that leave it. */
const LINKS: Partial<Record<Role, Array<{ href: string; label: string }>>> = {
  ADMIN: [{ href: '/admin/queues', label: '队列监控' }],
  OPS: [{ href: '/admin/queues', label: '队列监控' }],
};

export function homeOf(role: Role): string {
  return MENUS[role][0]?.to ?? '/console/none';
}

export function Shell({ children }: { children: ReactNode }) {
  const me = useMe();
  const { signOut } = useSession();
  const location = useLocation();
  const items = MENUS[me.role];
  const selected = items
    .filter((i) => location.pathname.startsWith(i.to))
    .map((i) => i.to)
    .slice(0, 1);
  return (
    <>
      <header className="ew-header">
        <h1>社会救助预警 · 工作台</h1>
        <nav aria-label="主菜单" className="ew-nav">
          <Menu
            theme="dark"
            mode="horizontal"
            className="ew-nav"
            selectedKeys={selected}
            items={[
              ...items.map((i) => ({ key: i.to, label: <Link to={i.to}>{i.label}</Link> })),
              ...(LINKS[me.role] ?? []).map((l) => ({ key: l.href, label: <a href={l.href}>{l.label}</a> })),
            ]}
          />
        </nav>
        <div className="ew-user">
          <span>
            {me.displayName}（{nameOf(ROLE, me.role)}
            {me.town ? ` · ${me.town}` : ''}）
          </span>
          <Button size="small" onClick={() => void signOut()}>
            退出登录
          </Button>
        </div>
      </header>
      <main className="ew-main">
        {items.length === 0 ? <p>此角色（{nameOf(ROLE, me.role)}）在工作台中没有页面。</p> : children}
      </main>
    </>
  );
}
