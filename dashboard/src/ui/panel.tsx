import type { ReactNode } from 'react';
import { navigate } from '../hooks/use-route.ts';

export function Panel(props: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  span?: number;
  testId?: string;
}) {
  return (
    <section
      className={`panel ${props.className ?? ''}`}
      style={props.span ? ({ '--span': props.span } as React.CSSProperties) : undefined}
      data-testid={props.testId}
    >
      {(props.title || props.actions) && (
        <header className="panel-head">
          <h2>{props.title}</h2>
          {props.actions && <div className="panel-actions">{props.actions}</div>}
        </header>
      )}
      <div className="panel-body">{props.children}</div>
    </section>
  );
}

export function Stat(props: {
  label: string;
  value: ReactNode;
  hint?: string;
  tone?: 'good' | 'warn' | 'bad';
  testId?: string;
}) {
  return (
    <div className={`stat ${props.tone ?? ''}`} data-testid={props.testId}>
      <div className="stat-label">{props.label}</div>
      <div className="stat-value">{props.value}</div>
      {props.hint && <div className="stat-hint">{props.hint}</div>}
    </div>
  );
}

export function ErrorNote(props: { error: Error | string | undefined }) {
  if (!props.error) return null;
  const e = props.error;
  const text = typeof e === 'string' ? e : `${(e as { code?: string }).code ?? 'error'}: ${e.message}`;
  return <div className="note error">{text}</div>;
}

export function Empty(props: { children: ReactNode }) {
  return <div className="empty">{props.children}</div>;
}

export function PageHeader(props: { title: ReactNode; sub?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <h1>{props.title}</h1>
        {props.sub && <div className="page-sub">{props.sub}</div>}
      </div>
      {props.actions && <div className="page-actions">{props.actions}</div>}
    </div>
  );
}

export function Badge(props: { tone?: 'good' | 'warn' | 'bad' | 'info'; children: ReactNode }) {
  return <span className={`badge ${props.tone ?? ''}`}>{props.children}</span>;
}

/** A link to a list page in a page title ("Topics / name"). */
export function Crumb(props: { to: string; children: ReactNode }) {
  return (
    <a
      className="crumb"
      href={props.to}
      onClick={(e) => {
        e.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}
