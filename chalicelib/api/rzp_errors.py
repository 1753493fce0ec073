"""Razorpay's errors on its face: every error answer under /v1 is rewritten into Razorpay's shape
and codes (domain/razorpay.error), whichever layer raised it (authentication, validation, a
service, Chalice itself), so the official clients raise BadRequestError where Razorpay's would.
The seed's paths keep their own errors."""

from __future__ import annotations

import json
from collections.abc import Callable

from chalice import Blueprint, Response
from chalice.app import Request

from ..domain import razorpay as rzp

PREFIX = "/v1/"

bp = Blueprint(__name__)


def razorpay_errors(event: Request, get_response: Callable[[Request], Response]) -> Response:
    response = get_response(event)
    if response.status_code < 400 or not (event.path or "").startswith(PREFIX):
        return response
    body = response.body
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except ValueError:
            body = {}
    if isinstance(body, dict) and "Message" in body and "error" not in body:  # Chalice's own answer
        body = {"error": {"code": "", "description": str(body["Message"])}}
    if not isinstance(body, dict) or "error" not in body:
        body = {"error": {"code": "", "description": str(body)}}
    status, translated = rzp.error(response.status_code, body)
    response.status_code = status
    response.body = json.dumps(translated, separators=(",", ":"), ensure_ascii=False)
    response.headers["Content-Type"] = "application/json"
    return response


bp.register_middleware(razorpay_errors, "http")
