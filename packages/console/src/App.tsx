// Routes. The client's addresses live under /console/ so that none of them is ever an API path
// (GET /tasks/12 is the API's; /console/tasks/12 is the page). Every page is a lazy chunk: a
// caseworker never downloads the data administrator's pages.
import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { Spin } from 'antd';
import { NotFound } from './components/NotFound.tsx';
import { useSession } from './session.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { Shell, homeOf } from './pages/Shell.tsx';
import type { Role } from './types.ts';

const Queue = lazy(() => import('./pages/Queue.tsx'));
const TaskPage = lazy(() => import('./pages/TaskPage.tsx'));
const WalkIn = lazy(() => import('./pages/WalkIn.tsx'));
const Overdue = lazy(() => import('./pages/Overdue.tsx'));
const TownsSummary = lazy(() => import('./pages/TownsSummary.tsx'));
const Imports = lazy(() => import('./pages/Imports.tsx'));
const ImportReportPage = lazy(() => import('./pages/ImportReport.tsx'));
const Reviews = lazy(() => import('./pages/Reviews.tsx'));
const Reports = lazy(() => import('./pages/Reports.tsx'));

const CASEWORK: Role[] = ['CASEWORKER', 'SUPERVISOR'];
const DATA: Role[] = ['DATA_ADMIN'];

function Loading() {
  return (
    <div className="ew-main" role="status" aria-live="polite">
      <Spin /> 加载中…
    </div>
  );
}

function Only({ roles, role, children }: { roles: Role[]; role: Role; children: ReactNode }) {
  return roles.includes(role) ? children : <NotFound />;
}

export function App() {
  const { state } = useSession();
  if (state.kind === 'loading') return <Loading />;
  if (state.kind === 'signedOut') return <SignIn expired={state.expired} />;
  const role = state.me.role;
  return (
    <Shell>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/" element={<Navigate to={homeOf(role)} replace />} />
          <Route path="/console" element={<Navigate to={homeOf(role)} replace />} />
          <Route
            path="/console/queue"
            element={
              <Only roles={CASEWORK} role={role}>
                <Queue />
              </Only>
            }
          />
          <Route
            path="/console/approvals"
            element={
              <Only roles={['SUPERVISOR']} role={role}>
                <Queue preset="PENDING_APPROVAL" />
              </Only>
            }
          />
          <Route
            path="/console/tasks/:id"
            element={
              <Only roles={CASEWORK} role={role}>
                <TaskPage />
              </Only>
            }
          />
          <Route
            path="/console/new-case"
            element={
              <Only roles={CASEWORK} role={role}>
                <WalkIn />
              </Only>
            }
          />
          <Route
            path="/console/overdue"
            element={
              <Only roles={['SUPERVISOR']} role={role}>
                <Overdue />
              </Only>
            }
          />
          <Route
            path="/console/towns"
            element={
              <Only roles={['SUPERVISOR']} role={role}>
                <TownsSummary />
              </Only>
            }
          />
          <Route
            path="/console/reports"
            element={
              <Only roles={['SUPERVISOR']} role={role}>
                <Reports />
              </Only>
            }
          />
          <Route
            path="/console/imports"
            element={
              <Only roles={DATA} role={role}>
                <Imports />
              </Only>
            }
          />
          <Route
            path="/console/imports/:id"
            element={
              <Only roles={DATA} role={role}>
                <ImportReportPage />
              </Only>
            }
          />
          <Route
            path="/console/reviews"
            element={
              <Only roles={DATA} role={role}>
                <Reviews />
              </Only>
            }
          />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Suspense>
    </Shell>
  );
}
