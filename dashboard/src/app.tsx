import { useEffect, useSyncExternalStore } from 'react';
import { authState, onAuthChange } from './api/auth.ts';
import { checkSession } from './api/session.ts';
import type { AppInfo } from './api/types.ts';
import { usePoll } from './hooks/use-poll.ts';
import { segments, useRoute } from './hooks/use-route.ts';
import { AppPage } from './pages/app-page.tsx';
import { DeadLettersPage } from './pages/dead-letters.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { PipelinesPage } from './pages/pipelines.tsx';
import { QueryPage } from './pages/query.tsx';
import { TopicsPage } from './pages/topics.tsx';
import { ViewsPage } from './pages/views.tsx';
import { Login } from './ui/login.tsx';
import { Empty } from './ui/panel.tsx';
import { Shell } from './ui/shell.tsx';

export function App() {
  const auth = useSyncExternalStore(onAuthChange, authState);
  useEffect(() => {
    void checkSession();
  }, []);
  if (auth.status === 'checking') return <div className="splash">Connecting…</div>;
  if (auth.status === 'signed-out') return <Login state={auth} />;
  return <SignedIn />;
}

function SignedIn() {
  const { path } = useRoute();
  const apps = usePoll<{ apps: AppInfo[] }>('/apps', 30_000);
  return (
    <Shell path={path} apps={apps.data?.apps} auth={authState()}>
      <Route path={path} apps={apps.data?.apps} />
    </Shell>
  );
}

function Route(props: { path: string; apps: AppInfo[] | undefined }) {
  const p = props.path.replace(/\/+$/, '') || '/';
  if (p === '/') return <OverviewPage />;
  if (p === '/topics' || p.startsWith('/topics/')) return <TopicsPage topic={segments(p, '/topics')[0]} />;
  if (p === '/pipelines' || p.startsWith('/pipelines/')) {
    const [app, name] = segments(p, '/pipelines');
    return <PipelinesPage key={`${app}/${name}`} app={app} name={name} />;
  }
  if (p === '/views' || p.startsWith('/views/')) {
    const [app, view] = segments(p, '/views');
    return <ViewsPage key={`${app}/${view}`} app={app} view={view} />;
  }
  if (p === '/query') return <QueryPage />;
  if (p === '/dead-letters') return <DeadLettersPage />;
  if (p.startsWith('/apps/')) {
    const [app, page] = segments(p, '/apps');
    return <AppPage key={`${app}/${page}`} apps={props.apps} app={app} page={page} />;
  }
  return <Empty>No page at {p}</Empty>;
}
