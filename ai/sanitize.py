"""Personal data out of everything an AI request carries, before it is hashed or leaves the process.

Removed wherever they appear, as keys or inside free text (notes included): email addresses, phone
numbers (Iranian mobile and landline forms, international forms, Persian and Arabic digits), street
addresses (Persian and English markers), and the names of people the service knows (every
wrestler's and user's name, passed in). Keys that name personal fields are dropped with their value.
Chart series names are kept: they are metric names, and the analysis needs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from core.digits import ASCII_DIGITS

REDACTED = "[redacted]"
PERSONAL_KEYS = frozenset(
    {
        "email",
        "mail",
        "name",
        "namefa",
        "nameen",
        "fullname",
        "firstname",
        "lastname",
        "username",
        "phone",
        "phonenumber",
        "mobile",
        "tel",
        "telephone",
        "address",
        "street",
        "nationalid",
        "nationalcode",
    }
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Ten or more digits in a phone's shape: +98 912 345 6789, 09123456789, 021-8888-7777, 0098…,
# (021) 88887777, +1 (555) 123-4567. Metric values never have ten digits in a row.
_PHONE = re.compile(r"(?<![\w.])(?:\+|00)?\d(?:[\s().-]*\d){9,14}(?![\w.])")
_ADDRESS_FA = re.compile(
    r"(?:(?:خیابان|خ\.|کوچه|بلوار|میدان|پلاک|بزرگراه|کوی|جاده|واحد|طبقه|نبش|کدپستی|کد پستی)"
    r"\s*[^،,.؛;\n]*[،,]?\s*)+"
)
_ADDRESS_EN = re.compile(
    r"\b\d{1,6}\s+(?:[A-Z][\w'.-]*\s+){0,4}"
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Square|Sq|Alley)\b\.?"
    r"(?:[,\s]+(?:Apt|Unit|No|Floor)\.?\s*\w+)?",
)


# A chart's labels are mostly ISO dates: nothing personal fits that shape, so they skip the patterns.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")


def _key(name: str) -> str:
    return re.sub(r"[\s_-]", "", name).lower()


class Sanitizer:
    """Built once per set of known names (they change rarely; the caller refreshes it)."""

    def __init__(self, known_names: Iterable[str]) -> None:
        names = sorted({n.strip() for n in known_names if n and len(n.strip()) >= 2}, key=len, reverse=True)
        self._names = (
            re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in names), re.IGNORECASE)
            if names
            else None
        )

    def text(self, value: str) -> str:
        if _ISO_DATE.match(value):
            return value
        out = value.translate(ASCII_DIGITS)  # one character for one: positions are kept
        out = _EMAIL.sub(REDACTED, out)
        out = _ADDRESS_FA.sub(REDACTED + " ", out)
        out = _ADDRESS_EN.sub(REDACTED, out)
        out = _PHONE.sub(REDACTED, out)
        if self._names is not None:
            out = self._names.sub(REDACTED, out)
        return out.strip() if out != value else value

    def value(self, value: Any, keep_keys: frozenset[str] = frozenset()) -> Any:
        """A JSON-like value with personal keys dropped and personal text redacted. `keep_keys` are
        kept even if they look personal (a chart series' `name`)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v, keep_keys) for v in value]
        if isinstance(value, dict):
            return {
                k: self.value(v, keep_keys)
                for k, v in value.items()
                if k in keep_keys or _key(k) not in PERSONAL_KEYS
            }
        return value

    def series_name(self, value: str) -> str:
        """A series name is a metric's name and stays, unless it carries personal data itself."""
        return self.text(value)
