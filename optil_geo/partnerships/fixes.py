"""Location fixes made by hand: checked against the geography, kept in the workspace.

The gazetteer never reads the workspace: the import reads the fixes
(:meth:`optil_geo.store.Workspace.fix_lookup`) and passes them to it as a mapping.
Saving a fix is the one place where the two meet, so it lives here, on the import's
side, and not in the geography.
"""

from __future__ import annotations

from optil_geo._errors import InputError
from optil_geo.gazetteer import is_municipality
from optil_geo.reference import Reference
from optil_geo.store import NETWORK, Workspace

__all__ = ["save_location_fix"]


def save_location_fix(
    workspace: Workspace,
    place: str,
    postcode: str | None,
    nis: str,
    *,
    note: str | None = None,
    reference: Reference | None = None,
    owner: str = NETWORK,
) -> None:
    """Remember in ``workspace`` that ``place`` (with ``postcode``) lies in ``nis``.

    The checked way to make a location fix: unlike
    :meth:`optil_geo.store.Workspace.save_fix`, which only checks the form of the
    code, this refuses a code that is not a municipality of 2025.

    Parameters
    ----------
    workspace
        Where the fix is kept.
    place, postcode, note, owner
        As in :meth:`optil_geo.store.Workspace.save_fix` (``owner``: a user id or
        :data:`optil_geo.store.NETWORK`, the default).
    nis
        The NIS code of a 2025 municipality (see :func:`optil_geo.is_municipality`).
    reference
        The reference geography; loaded with the default settings when omitted.

    Raises
    ------
    InputError
        When ``nis`` is not the code of a municipality of 2025, or as
        :meth:`~optil_geo.store.Workspace.save_fix` raises.
    """
    if not is_municipality(nis, reference):
        raise InputError(
            f"`nis` was {nis!r} but must be the NIS code of a Belgian municipality of "
            "2025, such as '44021' (Gent)"
        )
    workspace.save_fix(place, postcode, nis.strip(), note=note, owner=owner)
