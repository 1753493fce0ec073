import { useEffect, useState } from 'react';
import { useAuth } from '../auth.jsx';
import { useDocumentTitle } from '../hooks.js';
import { useQuery, useRouter } from '../router.jsx';

// Only same-site paths are followed after login, never another origin.
function safeNext(next) {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return '/';
  return next;
}

export default function Login() {
  useDocumentTitle('Log in');
  const { login, session, notice } = useAuth();
  const { navigate } = useRouter();
  const query = useQuery();
  const next = safeNext(query.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (session) navigate(next, { replace: true });
  }, [session, next, navigate]);

  const onSubmit = async (event) => {
    event.preventDefault();
    if (!email.trim() || !password) {
      setError('Enter your email and password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password);
    } catch (err) {
      setError(err.status === 401 ? 'That email and password do not match an account.' : err.message);
      setBusy(false);
    }
  };

  return (
    <main className="login-page">
      <form className="card login-card" data-test-id="login-form" onSubmit={onSubmit} noValidate>
        <div className="brand login-brand">
          <span className="brand-mark" aria-hidden="true">
            ₹
          </span>
          <span>PayGW</span>
        </div>
        <h1>Log in to your dashboard</h1>
        {notice && !error ? (
          <p className="notice notice-info" role="status" data-test-id="login-notice">
            {notice}
          </p>
        ) : null}
        <label htmlFor="email">Email</label>
        <input
          id="email"
          type="email"
          autoComplete="username"
          data-test-id="email-input"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          required
          autoFocus
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          data-test-id="password-input"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
        {error ? (
          <p className="notice notice-error" role="alert" data-test-id="login-error">
            {error}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary btn-block" data-test-id="login-button" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
