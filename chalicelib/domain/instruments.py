"""Payment instruments: card numbers, expiry, CVV and UPI addresses.

Only the network and the last four digits of a card ever leave this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

VPA_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,255}@[A-Za-z][A-Za-z0-9.-]{1,63}$")


def is_valid_vpa(vpa: str) -> bool:
    return bool(VPA_PATTERN.fullmatch(vpa))


def digits_only(number: str) -> str:
    """Cards are often typed in groups; spaces and dashes carry no meaning."""
    return re.sub(r"[\s-]", "", number)


def passes_luhn(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _in_ranges(prefix: int, ranges: list[tuple[int, int]]) -> bool:
    return any(low <= prefix <= high for low, high in ranges)


# RuPay ranges come before Visa/Mastercard checks: some RuPay BINs start with 6 and 8.
_RUPAY = [(508500, 508999), (606985, 607984), (608001, 608500), (652150, 653149), (817100, 820199)]


def card_network(number: str) -> str:
    """visa, mastercard, amex, rupay or unknown, from the issuer prefix."""
    if len(number) < 6 or not number.isdigit():
        return "unknown"
    six = int(number[:6])
    if _in_ranges(six, _RUPAY) or number.startswith(("60", "65", "81", "82")):
        return "rupay"
    if number.startswith("4"):
        return "visa"
    if _in_ranges(int(number[:2]), [(51, 55)]) or _in_ranges(int(number[:4]), [(2221, 2720)]):
        return "mastercard"
    if number.startswith(("34", "37")):
        return "amex"
    return "unknown"


def normalize_expiry_year(year: int) -> int:
    """Two-digit years mean this century."""
    return 2000 + year if 0 <= year < 100 else year


def is_expired(month: int, year: int, today: datetime) -> bool:
    """A card is valid through the last day of its expiry month."""
    full_year = normalize_expiry_year(year)
    return (full_year, month) < (today.year, today.month)


def is_valid_cvv(cvv: str) -> bool:
    return cvv.isdigit() and len(cvv) in (3, 4)


@dataclass(frozen=True)
class CardSummary:
    """All the gateway keeps of a card."""

    network: str
    last4: str
    holder_name: str | None
