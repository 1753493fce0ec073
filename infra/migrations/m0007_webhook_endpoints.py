"""Webhook endpoints: each merchant's legacy webhook (webhook_url, webhook_events,
webhook_secret_sealed) becomes its default endpoint, an entry of the `webhook_endpoints` map.

Until this runs, every read synthesizes the default endpoint from the legacy fields and the first
endpoint change of an item migrates it (chalicelib/store/endpoints.py), so the release works before
the step. Each item moves in one conditional write (only while it still has no map): reruns, and
merchants the running release changes meanwhile, are left as they are.
"""

from __future__ import annotations

VERSION = 7
DESCRIPTION = "merchants' legacy webhook fields moved into their default webhook endpoint"


def apply() -> None:
    from chalicelib.store import endpoints
    from chalicelib.store.models import MerchantModel

    unmigrated = MerchantModel.scan(
        filter_condition=MerchantModel.webhook_endpoints.does_not_exist(),
        attributes_to_get=["id"],
    )
    for item in unmigrated:
        endpoints.migrate(item.id)
