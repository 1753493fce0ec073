"""What the checkout page asks besides the seed's public endpoints: the signed success result
that Razorpay's checkout hands to the merchant's `handler` (docs/razorpay.md, "Checkout")."""

from __future__ import annotations

from chalice import Blueprint

from ..services import checkout_signatures
from .endpoint import JSON, PUBLIC_KEY, Call, endpoint
from .responses import CheckoutSuccess
from .schemas import PublicKeyQuery

bp = Blueprint(__name__)


@endpoint(
    bp,
    "GET",
    "/api/v1/payments/{id}/public/signature",
    summary="A successful payment's Razorpay-style result for the checkout: ids and razorpay_signature",
    auth_mode=PUBLIC_KEY,
    query=PublicKeyQuery,
    response=CheckoutSuccess,
    tags=("public",),
)
def get_success_result(call: Call[None, PublicKeyQuery]) -> JSON:
    return checkout_signatures.success_result(call.merchant.id, call.params["id"])
