"""Persian (U+06F0…) and Arabic-Indic (U+0660…) digits, declared once: ingest reads them in file cells
(as Polars expressions), the AI sanitiser and number check in free text (as a translation table)."""

from __future__ import annotations

DIGITS_FROM = [chr(0x06F0 + i) for i in range(10)] + [chr(0x0660 + i) for i in range(10)]
DIGITS_TO = [str(i) for i in range(10)] * 2
# One character for one: positions found in translated text are the original's.
ASCII_DIGITS = str.maketrans("".join(DIGITS_FROM), "".join(DIGITS_TO))
