import { useState } from 'react';
import type { AuthState } from '../api/auth.ts';
import { signInWithKey, signInWithPassword } from '../api/session.ts';

/** The sign-in screen: a user's password (a cookie session) or an API key (this tab only). */
export function Login(props: { state: AuthState }) {
  const [mode, setMode] = useState<'key' | 'password'>('key');
  const [key, setKey] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const reason = props.state.status === 'signed-out' ? props.state.reason : undefined;
  return (
    <div className="login">
      <form
        className="login-card"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          if (mode === 'key') await signInWithKey(key);
          else await signInWithPassword(username, password);
          setBusy(false);
        }}
      >
        <div className="brand big">
          <Logo /> Streamsight
        </div>
        <div className="tabs">
          <button type="button" className={mode === 'key' ? 'active' : ''} onClick={() => setMode('key')}>
            API key
          </button>
          <button
            type="button"
            className={mode === 'password' ? 'active' : ''}
            onClick={() => setMode('password')}
          >
            User
          </button>
        </div>
        {mode === 'key' ? (
          <label>
            API key
            <input
              name="key"
              type="password"
              autoComplete="off"
              placeholder="ss_…"
              value={key}
              onChange={(e) => setKey(e.target.value)}
              data-testid="key-input"
            />
            <span className="muted small">Kept for this tab only. `npm start` prints a dev admin key.</span>
          </label>
        ) : (
          <>
            <label>
              Username
              <input
                name="username"
                autoComplete="username"
                value={username}
                onChange={(e) => setUsername(e.target.value)}
              />
            </label>
            <label>
              Password
              <input
                name="password"
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
          </>
        )}
        {reason && <div className="note error">{reason}</div>}
        <button
          type="submit"
          disabled={busy || (mode === 'key' ? key === '' : username === '')}
          data-testid="sign-in"
        >
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}

export function Logo() {
  return (
    <svg width="20" height="20" viewBox="0 0 16 16" aria-hidden="true">
      <path
        d="M1 12 5 7l3 3 6-7"
        fill="none"
        stroke="#5794f2"
        strokeWidth="2"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
      <circle cx="14" cy="3" r="1.6" fill="#73bf69" />
    </svg>
  );
}
