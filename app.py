"""The payment gateway: HTTP API blueprints and the SQS-triggered functions.

Thin by design: every route lives in chalicelib/api/<resource>.py, every function's work in
chalicelib/jobs/<function>.py, the rules they apply in chalicelib/services and chalicelib/domain.
"""

from typing import Any

from chalice import Chalice, Rate
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib.api import (
    audit,
    checkout,
    cors,
    dashboard,
    events,
    health,
    merchant,
    openapi,
    orders,
    payments,
    refunds,
    rzp_errors,
    rzp_orders,
    rzp_payments,
    rzp_refunds,
    testing,
    webhook_endpoints,
    webhooks,
)
from chalicelib.api.readiness import refuse_unless_configured
from chalicelib.config import settings
from chalicelib.jobs import payments as payment_jobs
from chalicelib.jobs import reconcile as reconcile_job
from chalicelib.jobs import refunds as refund_jobs
from chalicelib.jobs import sources
from chalicelib.jobs import webhooks as webhook_jobs

app = Chalice(app_name="payment-gateway")

for blueprint in (
    health,
    testing,
    dashboard,
    merchant,
    orders,
    payments,
    refunds,
    webhooks,
    webhook_endpoints,
    events,
    audit,
    openapi,
    rzp_errors,
    rzp_orders,
    rzp_payments,
    rzp_refunds,
    checkout,
):
    app.register_blueprint(blueprint.bp)
app.register_middleware(cors.middleware, "http")
app.register_middleware(refuse_unless_configured, "http")  # no SESSION_SECRET: serve nothing


@app.on_sqs_message(**sources.PAYMENTS)
def process_payments(event: SQSEvent) -> dict[str, Any]:
    return payment_jobs.handle(event.to_dict(), event.context)


@app.on_sqs_message(**sources.REFUNDS)
def process_refunds(event: SQSEvent) -> dict[str, Any]:
    return refund_jobs.handle(event.to_dict(), event.context)


@app.on_sqs_message(**sources.WEBHOOKS)
def deliver_webhooks(event: SQSEvent) -> dict[str, Any]:
    return webhook_jobs.handle(event.to_dict(), event.context)


@app.schedule(Rate(settings().reconcile_rate_minutes, unit=Rate.MINUTES), name="reconcile")
def reconcile(event: CloudWatchEvent) -> dict[str, Any]:
    return reconcile_job.handle(event.to_dict(), event.context)
