"""The one error the pricing layer raises for bad input."""

from __future__ import annotations


class PricingError(ValueError):
    """A line cannot be priced as given: names the line and the problem (code, modifier, POS, ...).

    ``field`` says which input was wrong ("hcpcs", "modifiers", "units", "pos", "locality", "date", ...)
    so a caller can point at the column of a spreadsheet or the option of a command.
    """

    def __init__(self, message: str, *, field: str | None = None, line: int | None = None) -> None:
        self.field = field
        self.line = line
        self.detail = message
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{message}")
