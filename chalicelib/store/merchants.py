"""Merchants: lookups by id, API key and email, and their webhook settings."""

from __future__ import annotations

from pynamodb.exceptions import PutError

from .conditions import is_conditional_failure
from .models import MerchantModel


def get(merchant_id: str) -> MerchantModel | None:
    try:
        return MerchantModel.get(merchant_id, consistent_read=True)
    except MerchantModel.DoesNotExist:
        return None


def get_many(merchant_ids: set[str]) -> dict[str, MerchantModel]:
    """Consistent reads of several merchants in one call."""
    return {merchant.id: merchant for merchant in MerchantModel.batch_get(list(merchant_ids), consistent_read=True)}


def by_api_key(api_key: str) -> MerchantModel | None:
    return next(iter(MerchantModel.by_api_key.query(api_key, limit=1)), None)


def by_email(email: str) -> MerchantModel | None:
    keys = next(iter(MerchantModel.by_email.query(email, limit=1)), None)
    return get(keys.id) if keys else None


def create_if_absent(merchant: MerchantModel) -> bool:
    """True when this call created it; False when a merchant with that id already existed."""
    try:
        merchant.save(condition=MerchantModel.id.does_not_exist())
        return True
    except PutError as error:
        if is_conditional_failure(error):
            return False
        raise


def set_webhook(merchant: MerchantModel, url: str | None, events: list[str] | None) -> None:
    merchant.update(
        actions=[
            MerchantModel.webhook_url.set(url) if url else MerchantModel.webhook_url.remove(),
            MerchantModel.webhook_events.set(events) if events else MerchantModel.webhook_events.remove(),
        ]
    )


def set_webhook_secret(merchant: MerchantModel, sealed_secret: str) -> None:
    merchant.update(actions=[MerchantModel.webhook_secret_sealed.set(sealed_secret)])
