import type { AppInfo } from '../api/types.ts';
import { Empty, PageHeader } from '../ui/panel.tsx';
import { WidgetPanel } from '../widgets/widget.tsx';

/** An app's own page (`/apps/<app>/<page>`): its widgets on the twelve-column grid. */
export function AppPage(props: { apps: AppInfo[] | undefined; app: string; page: string }) {
  const app = props.apps?.find((a) => a.name === props.app);
  const page = app?.pages.find((p) => p.id === props.page);
  if (!props.apps) return <Empty>Loading…</Empty>;
  if (!page)
    return (
      <Empty>
        No page {props.page} in app {props.app}
      </Empty>
    );
  return (
    <>
      <PageHeader title={page.title} sub={`app ${props.app}`} />
      <div className="grid">
        {page.widgets.map((w, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: widgets are a fixed list; their position is their identity
          <WidgetPanel key={`${props.app}/${page.id}/${i}`} app={props.app} widget={w} />
        ))}
      </div>
    </>
  );
}
