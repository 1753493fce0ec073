// The integration guide's snippets. Placeholders: __API_URL__, __CHECKOUT_URL__, __API_KEY__.
// The webhook verifiers use only each language's standard library, so they run as pasted;
// tests/dashboard runs them against real deliveries.

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

export const WEBHOOK_NODE = `// webhook.js: verify deliveries in Node.js 18+ with no dependencies.
// Run: WEBHOOK_SECRET=whsec_... node webhook.js
const crypto = require('node:crypto');
const http = require('node:http');

const WEBHOOK_SECRET = process.env.WEBHOOK_SECRET || ''; // Dashboard → Webhooks

// X-Webhook-Signature: lowercase hex HMAC-SHA256 of the raw request body.
function verifySignature(rawBody, signature, secret) {
  const expected = Buffer.from(crypto.createHmac('sha256', secret).update(rawBody).digest('hex'));
  const given = Buffer.from(String(signature || ''));
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

// Standard Webhooks: webhook-signature holds "v1,<base64>" entries, each an HMAC-SHA256 of
// "<webhook-id>.<webhook-timestamp>.<body>" keyed with the bytes base64-encoded after "whsec_".
function verifyStandardWebhook(rawBody, headers, secret, toleranceSeconds = 300) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures) return false;
  const age = Math.abs(Math.floor(Date.now() / 1000) - Number(timestamp));
  if (!(age <= toleranceSeconds)) return false; // stale or replayed
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = Buffer.concat([Buffer.from(id + '.' + timestamp + '.'), Buffer.from(rawBody)]);
  const expected = crypto.createHmac('sha256', key).update(signed).digest();
  return String(signatures).split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    const given = Buffer.from(signature || '', 'base64');
    return version === 'v1' && given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}

module.exports = { verifySignature, verifyStandardWebhook };

if (require.main === module) {
  http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks); // verify the bytes received, before parsing
      const ok = req.headers['webhook-signature']
        ? verifyStandardWebhook(rawBody, req.headers, WEBHOOK_SECRET)
        : verifySignature(rawBody, req.headers['x-webhook-signature'], WEBHOOK_SECRET);
      if (!ok) {
        res.writeHead(400).end('invalid signature');
        return;
      }
      const event = JSON.parse(rawBody.toString('utf8'));
      // Retries resend the same event: use webhook-id (or the payment id) to handle it once.
      console.log('verified', event.event, JSON.stringify(event.data));
      res.writeHead(200).end('ok'); // any 2xx; anything else is retried
    });
  }).listen(4000, '127.0.0.1');
}`;

export const WEBHOOK_PYTHON = `# webhook.py: verify deliveries in Python 3.9+ with only the standard library.
# Run: WEBHOOK_SECRET=whsec_... python webhook.py
# (Or: pip install standardwebhooks; Webhook(secret).verify(raw_body, headers).)
import base64
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

WEBHOOK_SECRET = os.environ.get("WEBHOOK_SECRET", "")  # Dashboard → Webhooks


def verify_signature(raw_body: bytes, signature: str, secret: str) -> bool:
    """X-Webhook-Signature: lowercase hex HMAC-SHA256 of the raw request body."""
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), (signature or "").encode())


def verify_standard_webhook(raw_body: bytes, headers, secret: str, tolerance: int = 300) -> bool:
    """Standard Webhooks: "v1,<base64>" HMAC-SHA256 of "<id>.<timestamp>.<body>"."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        return False
    try:
        if abs(time.time() - int(timestamp)) > tolerance:
            return False  # stale or replayed
    except ValueError:
        return False
    encoded = secret.removeprefix("whsec_")
    key = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
    signed = f"{msg_id}.{timestamp}.".encode() + raw_body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    return any(
        hmac.compare_digest(expected, entry.partition(",")[2].encode())
        for entry in signatures.split(" ")
        if entry.startswith("v1,")
    )


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        raw_body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("webhook-signature"):
            ok = verify_standard_webhook(raw_body, self.headers, WEBHOOK_SECRET)
        else:
            ok = verify_signature(raw_body, self.headers.get("X-Webhook-Signature", ""), WEBHOOK_SECRET)
        if not ok:
            self.send_response(400)
            self.end_headers()
            return
        event = json.loads(raw_body)
        # Retries resend the same event: use webhook-id (or the payment id) to handle it once.
        print("verified", event["event"], json.dumps(event["data"]))
        self.send_response(200)  # any 2xx; anything else is retried
        self.end_headers()


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", 4000), Handler).serve_forever()`;

export function fill(snippet, values) {
  return snippet
    .replaceAll('__API_URL__', values.apiUrl)
    .replaceAll('__CHECKOUT_URL__', values.checkoutUrl)
    .replaceAll('__API_KEY__', values.apiKey);
}
