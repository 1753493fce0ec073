// The integration guide's snippets. Placeholders: __API_URL__, __CHECKOUT_URL__, __API_KEY__.
// The webhook receivers are the same as docs/webhooks.md's: tests/integration/test_webhook_docs.py
// runs them against real deliveries (a fresh one, a manual retry, a stale and a stripped one).

export const CREATE_ORDER_CURL = `# Your server creates the order; the key secret never leaves it.
export API_KEY="__API_KEY__"
export API_SECRET="your_api_secret"   # Dashboard → API keys → Reveal

curl -sS -X POST "__API_URL__/api/v1/orders" \\
  -H "X-Api-Key: $API_KEY" \\
  -H "X-Api-Secret: $API_SECRET" \\
  -H "Content-Type: application/json" \\
  -H "Idempotency-Key: order-rcpt-1001" \\
  -d '{"amount": 50000, "currency": "INR", "receipt": "rcpt_1001", "notes": {"sku": "A1"}}'

# 201 {"id": "order_...", "amount": 50000, "currency": "INR", "status": "created", ...}
# amount is in minor units: 50000 paise = ₹500.00. Pass the order id to your page.`;

export const SDK_SNIPPET = `<button id="pay-button">Pay ₹500.00</button>

<script src="__CHECKOUT_URL__/checkout.js"></script>
<script>
  document.getElementById('pay-button').addEventListener('click', function () {
    var checkout = new PaymentGateway({
      key: '__API_KEY__',            // the key only: never the secret in a page
      orderId: 'order_from_your_server',
      onSuccess: function (payment) {
        // {paymentId, orderId, amount, currency, status: "success"}
        // Confirm on your server: GET /api/v1/payments/{paymentId}, or the payment.success webhook.
        window.location.href = '/thank-you?payment=' + encodeURIComponent(payment.paymentId);
      },
      onFailure: function (error) {
        console.warn('Payment failed', error);
      },
      onClose: function () {
        console.log('Checkout closed');
      }
    });
    checkout.open();
  });
</script>`;

export const WEBHOOK_NODE = `// webhook.js: a webhook receiver in Node.js 18+, with no dependencies.
// Run: WEBHOOK_SECRETS=whsec_... node webhook.js
// While a secret rotates, list both: WEBHOOK_SECRETS=whsec_new...,whsec_old...
// Standard Webhooks is done here with node:crypto (the standardwebhooks npm package does the same)
// so that this file runs as pasted, with nothing to install.
const crypto = require('node:crypto');
const http = require('node:http');

const SECRETS = (process.env.WEBHOOK_SECRETS || '') // Dashboard → Webhooks
  .split(',')
  .map((secret) => secret.trim())
  .filter(Boolean);
const PORT = Number(process.env.PORT || 4242);
const TOLERANCE_SECONDS = 5 * 60;

// whsec_<base64>: deliveries carry the timestamped Standard Webhooks signature, keyed with the bytes.
function standardKey(secret) {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : '';
  const valid = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) && encoded.replace(/=+$/, '').length % 4 !== 1;
  return valid ? Buffer.from(encoded, 'base64') : null;
}

function equal(given, expected) {
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

// {key to process once, event} when a configured secret signed this delivery, else null.
function verify(rawBody, headers, secrets = SECRETS) {
  const keys = secrets.map(standardKey).filter(Boolean);
  if (keys.length > 0) {
    // Mandatory: webhook-id, webhook-timestamp and webhook-signature over all three, the
    // timestamp within 5 minutes. A captured delivery replayed later, or stripped of these
    // headers, is refused. Retries and replays reuse webhook-id: process each one once.
    const id = headers['webhook-id'];
    const timestamp = headers['webhook-timestamp'];
    const signatures = String(headers['webhook-signature'] || '').split(' ');
    if (!id || !/^[0-9]+$/.test(timestamp || '')) return null;
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return null; // stale
    const signed = Buffer.concat([Buffer.from(id + '.' + timestamp + '.'), rawBody]);
    const given = signatures
      .filter((entry) => entry.startsWith('v1,'))
      .map((entry) => Buffer.from(entry.slice(3), 'base64'));
    const ok = keys.some((key) => {
      const expected = crypto.createHmac('sha256', key).update(signed).digest();
      return given.some((signature) => equal(signature, expected));
    });
    return ok ? { key: id, event: JSON.parse(rawBody.toString('utf8')) } : null;
  }
  // X-Webhook-Signature (secrets that are not base64, like the test merchant's): the hex
  // HMAC-SHA256 of the body alone. It cannot tell a replay from the original, so the key to
  // process once is what the signed body names: the event type, its entity's id, its time.
  for (const secret of secrets) {
    const expected = Buffer.from(crypto.createHmac('sha256', secret).update(rawBody).digest('hex'));
    for (const name of ['x-webhook-signature', 'x-webhook-signature-new']) { // -new: during a rotation
      if (equal(Buffer.from(String(headers[name] || '')), expected)) {
        const event = JSON.parse(rawBody.toString('utf8'));
        const [entity] = Object.values(event.data);
        return { key: event.event + ':' + entity.id + ':' + event.timestamp, event };
      }
    }
  }
  return null;
}

const processed = new Set(); // In production: a table with a unique key, written with the work it records.

function handle(event) {
  console.log('processed', event.event, JSON.stringify(event.data));
}

module.exports = { verify };

if (require.main === module) {
  http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const verified = verify(Buffer.concat(chunks), req.headers); // the bytes received, not re-serialized
      if (!verified) {
        res.writeHead(400).end('invalid signature');
        return;
      }
      if (!processed.has(verified.key)) { // a duplicate still gets its 2xx, or it would be retried
        handle(verified.event);
        processed.add(verified.key);
      }
      res.writeHead(200).end('ok'); // any 2xx, within 5 s; anything else is retried
    });
  }).listen(PORT, '127.0.0.1');
}`;

export const WEBHOOK_PYTHON = `# webhook.py: a webhook receiver in Python 3.9+.  pip install standardwebhooks
# Run: WEBHOOK_SECRETS=whsec_... python webhook.py
# While a secret rotates, list both: WEBHOOK_SECRETS=whsec_new...,whsec_old...
import base64
import binascii
import hashlib
import hmac
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

# Dashboard → Webhooks
SECRETS = [s.strip() for s in os.environ.get("WEBHOOK_SECRETS", "").split(",") if s.strip()]
PORT = int(os.environ.get("PORT", "4242"))


def is_standard_secret(secret):
    """whsec_<base64>: deliveries carry the timestamped Standard Webhooks signature."""
    encoded = secret[len("whsec_") :] if secret.startswith("whsec_") else ""
    try:
        return len(base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)) > 0
    except (binascii.Error, ValueError):
        return False


def verify(raw_body, headers, secrets=SECRETS):
    """(key to process once, event) when a configured secret signed this delivery, else None."""
    headers = {name.lower(): value for name, value in headers.items()}
    standard = [secret for secret in secrets if is_standard_secret(secret)]
    if standard:
        # Mandatory: webhook-id, webhook-timestamp and webhook-signature over all three, the
        # timestamp within 5 minutes. A captured delivery replayed later, or stripped of these
        # headers, is refused. Retries and replays reuse webhook-id: process each one once.
        for secret in standard:
            try:
                return headers["webhook-id"], Webhook(secret).verify(raw_body, headers)
            except (WebhookVerificationError, KeyError, ValueError):
                continue
        return None
    # X-Webhook-Signature (secrets that are not base64, like the test merchant's): the hex
    # HMAC-SHA256 of the body alone. It cannot tell a replay from the original, so the key to
    # process once is what the signed body names: the event type, its entity's id, its time.
    for secret in secrets:
        expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
        for name in ("x-webhook-signature", "x-webhook-signature-new"):  # -new: during a rotation
            if hmac.compare_digest(expected.encode(), headers.get(name, "").encode()):
                event = json.loads(raw_body)
                [entity] = event["data"].values()
                return f"{event['event']}:{entity['id']}:{event['timestamp']}", event
    return None


processed = set()  # In production: a table with a unique key, written with the work it records.


def handle(event):
    print("processed", event["event"], json.dumps(event["data"]), flush=True)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        raw_body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        verified = verify(raw_body, self.headers)
        if verified is None:
            self.answer(400, b"invalid signature")
            return
        key, event = verified
        if key not in processed:  # a duplicate still gets its 2xx, or it would be retried
            handle(event)
            processed.add(key)
        self.answer(200, b"ok")  # any 2xx, within 5 s; anything else is retried

    def answer(self, status, text):
        self.send_response(status)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()  # one request at a time`;

export function fill(snippet, values) {
  return snippet
    .replaceAll('__API_URL__', values.apiUrl)
    .replaceAll('__CHECKOUT_URL__', values.checkoutUrl)
    .replaceAll('__API_KEY__', values.apiKey);
}
