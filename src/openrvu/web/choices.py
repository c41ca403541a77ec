"""Pick lists of the forms. The log has no free-text field, so every choice comes from a list."""

from __future__ import annotations

from functools import cache

# Modifiers clinicians add most when logging, as one-tap chips (the pricing engine knows them all).
LOG_MODIFIERS = ("25", "26", "TC", "59", "50", "RT", "LT", "51", "52", "76", "80", "XS", "95", "GT")

SPECIALTIES = (
    "Family medicine",
    "Internal medicine",
    "Pediatrics",
    "Emergency medicine",
    "Hospital medicine",
    "Cardiology",
    "Dermatology",
    "Gastroenterology",
    "General surgery",
    "Obstetrics and gynecology",
    "Ophthalmology",
    "Orthopedic surgery",
    "Otolaryngology",
    "Neurology",
    "Psychiatry",
    "Pulmonology",
    "Radiology",
    "Anesthesiology",
    "Urology",
    "Physical medicine and rehabilitation",
    "Nurse practitioner",
    "Physician assistant",
    "Other",
)

REDUCTION_LABELS = (
    ("bilateral", "Bilateral surgery (150% rule)"),
    ("multiple_procedure", "Multiple procedures (second and later at 50%)"),
    ("assistant", "Assistant at surgery"),
    ("co_surgeon", "Co-surgeon"),
    ("team", "Team surgery"),
    ("reduced", "Reduced service (-52)"),
)


@cache
def pos_choices() -> tuple[tuple[str, str], ...]:
    """Every place-of-service code the pricing engine knows, as (code, name)."""
    from openrvu.pricing.pos import pos_table

    return tuple((code, place.name) for code, place in sorted(pos_table().items()))


def specialty_choices() -> list[tuple[str, str]]:
    """The specialty pick list, with an empty first choice."""
    return [("", "Choose…"), *((name, name) for name in SPECIALTIES)]
