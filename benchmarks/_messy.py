"""Place names written the way people type them, for the synthetic benchmark files."""

from __future__ import annotations

import random


def typo(rng: random.Random, name: str, *, spare_end: int) -> str:
    """Return the name with one random deletion, swap or substitution.

    Names under 6 letters are left alone; the first letter and the last ``spare_end``
    letters are never the edited position.
    """
    if len(name) < 6:
        return name
    i = rng.randrange(1, len(name) - spare_end)
    edit = rng.choice(("delete", "swap", "replace"))
    if edit == "delete":
        return name[:i] + name[i + 1 :]
    if edit == "swap":
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + rng.choice("aeiounrst") + name[i + 1 :]


def as_typed(rng: random.Random, name: str, *, upper: float, lower: float) -> str:
    """Return the name in any case, hyphens as spaces, St. for Sint, stray spaces.

    ``upper`` is the chance of capitals only, ``lower`` that of small letters only.
    """
    variant = rng.random()
    if variant < upper:
        name = name.upper()
    elif variant < upper + lower:
        name = name.lower()
    if rng.random() < 0.2:
        name = name.replace("-", " ")
    if rng.random() < 0.3:
        name = name.replace("Sint-", "St.-").replace("SINT-", "ST.-")
    if rng.random() < 0.1:
        name = f"  {name} "
    return name
