import { useEffect } from 'react';
import { AuthProvider, useAuth } from './auth.jsx';
import Layout from './components/Layout.jsx';
import { matchPath, Router, useRouter, Link } from './router.jsx';
import ApiKeys from './pages/ApiKeys.jsx';
import AuditLog from './pages/AuditLog.jsx';
import Docs from './pages/Docs.jsx';
import Login from './pages/Login.jsx';
import Overview from './pages/Overview.jsx';
import PaymentDetail from './pages/PaymentDetail.jsx';
import Refunds from './pages/Refunds.jsx';
import Transactions from './pages/Transactions.jsx';
import Webhooks from './pages/Webhooks.jsx';

const ROUTES = [
  { path: '/', page: Overview },
  { path: '/transactions', page: Transactions },
  { path: '/payments/:id', page: PaymentDetail },
  { path: '/transactions/:id', page: PaymentDetail },
  { path: '/refunds', page: Refunds },
  { path: '/webhooks', page: Webhooks },
  { path: '/api-keys', page: ApiKeys },
  { path: '/audit-log', page: AuditLog },
  { path: '/docs', page: Docs },
];

function NotFound() {
  return (
    <div className="card" data-test-id="not-found">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/">Back to the overview</Link>
      </p>
    </div>
  );
}

function Routes() {
  const { location, navigate } = useRouter();
  const { session } = useAuth();
  const onLogin = location.pathname === '/login';

  useEffect(() => {
    if (!session && !onLogin) {
      const here = location.pathname + location.search;
      navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
    }
  }, [session, onLogin, location, navigate]);

  if (onLogin) return <Login />;
  if (!session) return null;

  for (const route of ROUTES) {
    const params = matchPath(route.path, location.pathname);
    if (params) {
      const Page = route.page;
      return (
        <Layout>
          <Page key={route.path + JSON.stringify(params)} params={params} />
        </Layout>
      );
    }
  }
  return (
    <Layout>
      <NotFound />
    </Layout>
  );
}

export default function App() {
  return (
    <Router>
      <AuthProvider>
        <Routes />
      </AuthProvider>
    </Router>
  );
}
