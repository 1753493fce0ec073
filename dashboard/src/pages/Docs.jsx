import { useState } from 'react';
import { useAuth } from '../auth.jsx';
import CodeBlock from '../components/CodeBlock.jsx';
import { PageHeader } from '../components/Layout.jsx';
import { API_URL, CHECKOUT_URL } from '../config.js';
import { useDocumentTitle } from '../hooks.js';
import { Link } from '../router.jsx';
import { CREATE_ORDER_CURL, fill, SDK_SNIPPET, WEBHOOK_NODE, WEBHOOK_PYTHON } from '../snippets.js';

export default function Docs() {
  useDocumentTitle('Integration guide');
  const { merchant } = useAuth();
  const [lang, setLang] = useState('node');
  const values = {
    apiUrl: API_URL,
    checkoutUrl: CHECKOUT_URL,
    apiKey: (merchant && merchant.api_key) || 'key_test_...',
  };

  return (
    <article className="page docs" data-test-id="api-docs">
      <PageHeader title="Integration guide" />
      <p className="lead">
        Three steps take a payment: your server creates an order, your page opens the checkout for it, and your server
        learns the outcome from a signed webhook. Amounts are integers in minor units (paise for INR). API base URL:{' '}
        <code data-test-id="docs-api-url">{API_URL}</code>.
      </p>

      <section className="card" data-test-id="section-create-order" aria-labelledby="doc-order">
        <h2 id="doc-order">1. Create an order</h2>
        <p>
          Authenticate with your key and secret (<Link to="/api-keys">API keys</Link>), as headers or HTTP Basic. An{' '}
          <code>Idempotency-Key</code> makes a retried request safe: the same key replays the first answer.
        </p>
        <CodeBlock
          title="curl"
          language="bash"
          code={fill(CREATE_ORDER_CURL, values)}
          testId="code-snippet-create-order"
        />
      </section>

      <section className="card" data-test-id="section-sdk-integration" aria-labelledby="doc-sdk">
        <h2 id="doc-sdk">2. Open the checkout</h2>
        <p>
          Load <code>checkout.js</code> and open it for the order. It shows the payment form in an overlay and calls you
          back; only the API key goes in the page.
        </p>
        <CodeBlock
          title="HTML + checkout.js"
          language="html"
          code={fill(SDK_SNIPPET, values)}
          testId="code-snippet-sdk"
        />
        <p className="hint">
          Test instruments: UPI <code>success@test</code> always succeeds and <code>failure@test</code> always fails;
          card <code>4111 1111 1111 1111</code> succeeds and <code>4000 0000 0000 0002</code> is declined.
        </p>
      </section>

      <section className="card" data-test-id="section-webhook-verification" aria-labelledby="doc-webhook">
        <h2 id="doc-webhook">3. Verify webhooks</h2>
        <p>
          Every delivery is a POST of <code>{'{"event", "timestamp", "data"}'}</code>. Verify the raw body before
          parsing it, answer 2xx quickly, and handle each event once: deliveries are retried, redelivered and replayed.
          Which check to make depends on your secret, never on the headers a request carries:
        </p>
        <ul>
          <li>
            A <code>whsec_</code> secret with a base64 key (every generated one): the{' '}
            <a href="https://www.standardwebhooks.com/" target="_blank" rel="noreferrer noopener">
              Standard Webhooks
            </a>{' '}
            signature is mandatory. Refuse a delivery without <code>webhook-id</code>, <code>webhook-timestamp</code>{' '}
            and <code>webhook-signature</code>, with a bad signature, or with a timestamp more than 5 minutes off;
            process each <code>webhook-id</code> once and answer its duplicates 2xx.
          </li>
          <li>
            Any other secret: <code>X-Webhook-Signature</code>, the hex HMAC-SHA256 of the body alone. It cannot detect
            a replay, so process each event (its type, entity id and timestamp) once.
          </li>
        </ul>
        <p>
          While a secret rotates, both verify: give the receiver both secrets, the new one first, as in{' '}
          <code>WEBHOOK_SECRETS=whsec_new,whsec_old</code>. These receivers listen on port 4242 (<code>PORT</code>).
        </p>
        <div className="tabs" role="tablist" aria-label="Language">
          <button
            type="button"
            role="tab"
            aria-selected={lang === 'node'}
            className={lang === 'node' ? 'tab active' : 'tab'}
            onClick={() => setLang('node')}
            data-test-id="tab-node"
          >
            Node.js
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={lang === 'python'}
            className={lang === 'python' ? 'tab active' : 'tab'}
            onClick={() => setLang('python')}
            data-test-id="tab-python"
          >
            Python
          </button>
        </div>
        <div data-test-id="code-snippet-webhook" data-language={lang}>
          <div hidden={lang !== 'node'}>
            <CodeBlock title="Node.js" language="javascript" code={WEBHOOK_NODE} testId="code-snippet-webhook-node" />
          </div>
          <div hidden={lang !== 'python'}>
            <CodeBlock title="Python" language="python" code={WEBHOOK_PYTHON} testId="code-snippet-webhook-python" />
          </div>
        </div>
        <p className="hint">
          Your secret is under <Link to="/webhooks">Webhooks</Link>, where <em>Send test webhook</em> sends a{' '}
          <code>webhook.test</code> event.
        </p>
      </section>
    </article>
  );
}
