"""The payment signature Razorpay's checkout hands to the merchant's page on success.

razorpay_signature = hex HMAC-SHA256 of "order_id|payment_id" keyed with the merchant's API secret
(Razorpay's key secret): the merchant's server recomputes it (razorpay's
`client.utility.verify_payment_signature`) to know the pair came from the gateway, not from a
page that made it up. Computed only server-side: a browser never holds the secret.
"""

from __future__ import annotations

import hashlib
import hmac


def payment_signature(order_id: str, payment_id: str, key_secret: str) -> str:
    message = f"{order_id}|{payment_id}".encode()
    return hmac.new(key_secret.encode(), message, hashlib.sha256).hexdigest()


def is_valid_payment_signature(order_id: str, payment_id: str, signature: str, key_secret: str) -> bool:
    """What a merchant's server checks; constant time, so a guess learns nothing from timing."""
    return hmac.compare_digest(payment_signature(order_id, payment_id, key_secret), signature)
