"""The one check for sizes and counts that every public function shares."""

from __future__ import annotations

from numbers import Integral

__all__ = ["whole_number"]


def whole_number(name: str, value: object, *, at_least: int = 1, where: str = "") -> int:
    """`value` as an int if it is a whole number >= at_least (int or numpy integer, not bool)."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < at_least:
        what = "a positive integer" if at_least == 1 else f"an integer >= {at_least}"
        raise ValueError(f"{where}{name} must be {what}, got {value!r}")
    return int(value)
