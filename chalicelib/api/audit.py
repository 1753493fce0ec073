"""The merchant's audit log: captures, refunds, credential and webhook-setting changes."""

from __future__ import annotations

from chalice import Blueprint

from ..services import audit
from .endpoint import JSON, Call, endpoint, page_envelope
from .responses import AuditEntryList
from .schemas import Page

bp = Blueprint(__name__)


@endpoint(
    bp,
    "GET",
    "/api/v1/audit-log",
    summary="The audit log: who changed what, when and from where, newest first",
    query=Page,
    response=AuditEntryList,
    tags=("audit",),
)
def list_audit_log(call: Call[None, Page]) -> JSON:
    q = call.query
    return page_envelope(audit.list_entries(call.merchant.id, q.limit, q.offset, q.cursor), q)
