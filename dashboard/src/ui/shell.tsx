import { type ReactNode, useEffect, useState } from 'react';
import type { AuthState } from '../api/auth.ts';
import { signOut } from '../api/session.ts';
import type { AppInfo } from '../api/types.ts';
import { useLiveStatus } from '../hooks/use-live.ts';
import { navigate } from '../hooks/use-route.ts';
import { Logo } from './login.tsx';

const SECTIONS = [
  { path: '/', label: 'Overview', icon: '◧' },
  { path: '/topics', label: 'Topics', icon: '☰' },
  { path: '/pipelines', label: 'Pipelines', icon: '⇶' },
  { path: '/views', label: 'Views', icon: '▦' },
  { path: '/query', label: 'Query', icon: '⌕' },
  { path: '/dead-letters', label: 'Dead letters', icon: '⚠' },
];

function NavLink(props: { to: string; active: boolean; children: ReactNode; onGo: () => void }) {
  return (
    <a
      href={props.to}
      className={props.active ? 'active' : undefined}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        props.onGo();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}

/** The frame around every page: the left nav (collapsing to a drawer on phones) and the top bar. */
export function Shell(props: {
  path: string;
  apps: AppInfo[] | undefined;
  auth: AuthState;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const live = useLiveStatus();
  const close = () => setOpen(false);
  const active = (p: string) =>
    p === '/' ? props.path === '/' : props.path === p || props.path.startsWith(`${p}/`);
  useEffect(() => {
    const title =
      SECTIONS.find((s) => s.path !== '/' && active(s.path))?.label ??
      (props.path === '/' ? 'Overview' : undefined);
    document.title = title ? `${title} · Streamsight` : 'Streamsight';
  });
  const who =
    props.auth.status === 'signed-in'
      ? (props.auth.user ?? (props.auth.via === 'key' ? 'API key' : 'session'))
      : '';
  return (
    <div className={`shell ${open ? 'nav-open' : ''}`}>
      <nav className="sidenav" aria-label="main">
        <div className="brand">
          <Logo /> Streamsight
        </div>
        <div className="nav-group">
          {SECTIONS.map((s) => (
            <NavLink key={s.path} to={s.path} active={active(s.path)} onGo={close}>
              <span className="nav-icon">{s.icon}</span>
              {s.label}
            </NavLink>
          ))}
        </div>
        {props.apps?.map((a) =>
          a.pages.length === 0 ? null : (
            <div className="nav-group" key={a.name}>
              <div className="nav-title">{a.name}</div>
              {a.pages.map((p) => {
                const to = `/apps/${encodeURIComponent(a.name)}/${encodeURIComponent(p.id)}`;
                return (
                  <NavLink key={p.id} to={to} active={props.path === to} onGo={close}>
                    <span className="nav-icon">◆</span>
                    {p.title}
                  </NavLink>
                );
              })}
            </div>
          ),
        )}
      </nav>
      <button type="button" className="scrim" aria-label="close menu" onClick={close} />
      <div className="main">
        <header className="topbar">
          <button type="button" className="menu-button" aria-label="menu" onClick={() => setOpen((o) => !o)}>
            ☰
          </button>
          <div className="topbar-title">
            <Logo /> Streamsight
          </div>
          <div className="spacer" />
          <span className={`conn conn-${live}`} data-testid="connection" title="live channel connection">
            <span className="dot" />
            {live === 'open' ? 'live' : live === 'idle' ? 'offline' : live}
          </span>
          {who && <span className="who muted">{who}</span>}
          <button type="button" className="ghost" onClick={() => void signOut()}>
            Sign out
          </button>
        </header>
        <main className="content">{props.children}</main>
      </div>
    </div>
  );
}
