"""What a typed code looks like: normalising `e1165`, ` E11.65. ` to `E11.65`, and shape checks."""

import re

# ICD-10-CM: letter, digit, alphanumeric, then up to four more characters after the dot.
ICD10CM_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{0,4})?$")
# A block such as `A00-A09` or `C00-C96`.
BLOCK_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z]-[A-Z][0-9][0-9A-Z]$")
_MAX_CODE_INPUT = 20


def normalize_icd10cm(text: str) -> str | None:
    """`e1165`, ` E11.65 `, `E11.65.`, `E11 65` -> `E11.65`; None when it cannot be an ICD-10-CM code."""
    if len(text) > _MAX_CODE_INPUT:
        return None
    compact = re.sub(r"[\s.]", "", text).upper()
    if BLOCK_SHAPE.match(compact):
        return compact
    if len(compact) > 3:
        compact = f"{compact[:3]}.{compact[3:]}"
    return compact if ICD10CM_SHAPE.match(compact) and len(compact) <= 8 else None
