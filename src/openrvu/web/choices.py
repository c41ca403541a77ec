"""Pick lists of the forms. The log has no free-text field, so every choice comes from a list."""

from __future__ import annotations

from functools import cache

# Modifiers clinicians add most when logging, as one-tap chips (the pricing engine knows them all).
LOG_MODIFIERS = ("25", "26", "TC", "59", "50", "RT", "LT", "51", "52", "76", "80", "XS", "95", "GT")

# Medicare provider-type names, exactly as CMS writes them in its public data (Rndrng_Prvdr_Type), so a
# profile's specialty finds its national benchmark without a mapping.
SPECIALTIES = (
    "Family Practice",
    "Internal Medicine",
    "Emergency Medicine",
    "Hospitalist",
    "Cardiology",
    "Dermatology",
    "Gastroenterology",
    "General Surgery",
    "Obstetrics & Gynecology",
    "Ophthalmology",
    "Orthopedic Surgery",
    "Otolaryngology",
    "Neurology",
    "Nephrology",
    "Hematology-Oncology",
    "Psychiatry",
    "Clinical Psychologist",
    "Pulmonary Disease",
    "Diagnostic Radiology",
    "Anesthesiology",
    "Urology",
    "Podiatry",
    "Physical Medicine and Rehabilitation",
    "Nurse Practitioner",
    "Physician Assistant",
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
