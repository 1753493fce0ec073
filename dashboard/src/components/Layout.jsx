import { useState } from 'react';
import { useAuth } from '../auth.jsx';
import { Link, useRouter } from '../router.jsx';

export const NAV = [
  { to: '/', label: 'Overview', id: 'nav-overview', match: (p) => p === '/' },
  {
    to: '/transactions',
    label: 'Transactions',
    id: 'nav-transactions',
    match: (p) => p.startsWith('/transactions') || p.startsWith('/payments'),
  },
  { to: '/refunds', label: 'Refunds', id: 'nav-refunds', match: (p) => p.startsWith('/refunds') },
  { to: '/webhooks', label: 'Webhooks', id: 'nav-webhooks', match: (p) => p.startsWith('/webhooks') },
  { to: '/api-keys', label: 'API keys', id: 'nav-api-keys', match: (p) => p.startsWith('/api-keys') },
  { to: '/audit-log', label: 'Audit log', id: 'nav-audit-log', match: (p) => p.startsWith('/audit-log') },
  { to: '/docs', label: 'Docs', id: 'nav-docs', match: (p) => p.startsWith('/docs') },
];

export default function Layout({ children }) {
  const { merchant, logout, logoutEverywhere } = useAuth();
  const { location } = useRouter();
  const [leaving, setLeaving] = useState(null);
  const [leaveError, setLeaveError] = useState(null);

  const onLogout = async () => {
    setLeaving('here');
    await logout();
  };

  const onLogoutEverywhere = async () => {
    setLeaving('everywhere');
    setLeaveError(null);
    try {
      await logoutEverywhere();
    } catch (err) {
      setLeaveError(err.message);
      setLeaving(null);
    }
  };

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" title="Dashboard home">
          <span className="brand-mark" aria-hidden="true">
            ₹
          </span>
          <span>PayGW</span>
        </Link>
        <div className="topbar-right">
          {merchant ? (
            <span className="merchant" data-test-id="merchant-name" title={merchant.email}>
              {merchant.name || merchant.email}
            </span>
          ) : null}
          <button
            type="button"
            className="btn btn-secondary btn-small"
            onClick={onLogout}
            disabled={leaving !== null}
            data-test-id="logout-button"
          >
            {leaving === 'here' ? 'Logging out…' : 'Log out'}
          </button>
          <button
            type="button"
            className="btn btn-secondary btn-small"
            onClick={onLogoutEverywhere}
            disabled={leaving !== null}
            data-test-id="logout-everywhere-button"
            title="End every session of this account, on every device"
          >
            {leaving === 'everywhere' ? 'Logging out everywhere…' : 'Log out everywhere'}
          </button>
          {leaveError ? (
            <span className="notice notice-error" role="alert" data-test-id="logout-everywhere-error">
              Could not log out everywhere: {leaveError}
            </span>
          ) : null}
        </div>
      </header>
      <nav className="sidenav" aria-label="Main">
        <ul>
          {NAV.map((item) => {
            const active = item.match(location.pathname);
            return (
              <li key={item.to}>
                <Link
                  to={item.to}
                  data-test-id={item.id}
                  className={active ? 'active' : undefined}
                  aria-current={active ? 'page' : undefined}
                >
                  {item.label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

export function PageHeader({ title, children }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children ? <div className="page-actions">{children}</div> : null}
    </div>
  );
}
