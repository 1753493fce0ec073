import Credentials from '../components/Credentials.jsx';
import { PageHeader } from '../components/Layout.jsx';
import { API_URL } from '../config.js';
import { useDocumentTitle } from '../hooks.js';
import { Link } from '../router.jsx';

export default function ApiKeys() {
  useDocumentTitle('API keys');
  return (
    <div className="page" data-test-id="api-keys-page">
      <PageHeader title="API keys" />
      <Credentials />
      <section className="card">
        <h2>Using them</h2>
        <p>
          Send <code>X-Api-Key</code> and <code>X-Api-Secret</code> headers, or HTTP Basic with the key as user name and
          the secret as password, to <code>{API_URL}</code>. The checkout in your pages needs the key alone. The webhook
          signing secret is under <Link to="/webhooks">Webhooks</Link>; the <Link to="/docs">integration guide</Link>{' '}
          has examples.
        </p>
        <p>
          Revealing or rotating the secret asks your password again. <em>Rotate secret</em> issues a new secret, shown
          once; the old one keeps working for a while (24 hours unless your deployment says otherwise) so you can update
          your servers, then stops. <em>Log out everywhere</em>, at the top of every page, ends every dashboard session
          of this account, on every device.
        </p>
      </section>
    </div>
  );
}
