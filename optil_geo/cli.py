"""The ``optil-geo`` command line.

Every subcommand calls the public API (and two private text helpers: header
matching and Dutch numbers). Errors are caught here, once: the command prints
``TypeName: message`` on stderr and exits non-zero; a file that cannot be written
is ``InputError: cannot write '…': reason``.

Exit codes: 0 processed (also with warnings or unresolved rows), 1 input errors
(``validate``, ``classify``, ``measures``), 2 unusable input or a failure. Any
failure is one line on stderr; ``-v`` adds the traceback of an unexpected one.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import optil_geo as og
from optil_geo._schema import header_key
from optil_geo.texts import format_number

__all__ = ["main"]

EXIT_OK = 0
EXIT_INPUT_ERRORS = 1
EXIT_UNUSABLE = 2


def _cmd_reference_info(args: argparse.Namespace) -> int:
    info = og.reference_info()
    if args.json:
        print(json.dumps(info))
    else:
        for key, value in info.items():
            print(f"{key:>20}: {format_number(value)}")
        print(f"{'bron':>20}: {og.CREDIT}")
    return EXIT_OK


def _cmd_reference_fetch(args: argparse.Namespace) -> int:
    settings = og.Settings.from_env()
    if args.dir:
        settings = settings.replace(reference_dir=Path(args.dir))
    files = og.fetch_reference(settings)
    for name, path in files.items():
        print(f"ok  {name}  {path}")
    print(f"{len(files)} reference files present and verified (SHA-256).")
    return EXIT_OK


def _fixes(args: argparse.Namespace) -> dict[tuple[str, str], str]:
    """Return the workspace's location fixes (empty with --no-fixes or when unusable)."""
    if getattr(args, "no_fixes", False):
        return {}
    try:
        return og.Workspace.open(og.Settings.from_env()).fix_lookup()
    except og.WorkspaceError as exc:
        print(f"warning: location fixes not applied: {exc}", file=sys.stderr)
        return {}


# Accepted headers of `resolve`, compared without case, accents, spaces or
# punctuation; the first alias found in the file wins.
_RESOLVE_COLUMNS = {
    "place": ("place", "plaats", "gemeente", "locatie"),
    "postcode": ("postcode", "postal_code", "zip"),
    "country": ("country", "land"),
}
_RESOLVE_OUTPUT = ("nis", "municipality", "status", "region", "score", "candidates")


def _find_column(headers: Sequence[str], aliases: Sequence[str]) -> str | None:
    """Return the first header (in alias order, then column order) matching an alias."""
    keys = [header_key(h) for h in headers]
    for alias in aliases:
        wanted = header_key(alias)
        for header, key in zip(headers, keys, strict=True):
            if key == wanted:
                return header
    return None


def _cmd_resolve(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if output.suffix.lower() != ".csv":
        raise og.InputError(
            f"cannot write {args.output!r}: `resolve` writes CSV, so the output must end in .csv"
        )
    table = og.read_table(Path(args.input))
    frame = table.frame
    headers = [str(c) for c in frame.columns]
    found = {name: _find_column(headers, aliases) for name, aliases in _RESOLVE_COLUMNS.items()}
    place = found["place"]
    if place is None:
        accepted = ", ".join(repr(a) for a in _RESOLVE_COLUMNS["place"])
        raise og.InputError(
            f"{args.input}: no place column (one of {accepted}); found columns {headers!r}"
        )
    result = og.resolve_places(
        frame, place=place, postcode=found["postcode"], country=found["country"]
    )
    cols = list(_RESOLVE_OUTPUT)
    out = frame.drop(columns=[c for c in cols if c in frame.columns]).join(result[cols])
    # Same delimiter as the input; always UTF-8 with a BOM, which Excel needs to read
    # the accents of place names (without it, it guesses the Windows code page).
    text = og.neutralise_formulas(out).to_csv(sep=table.delimiter, index=False, lineterminator="\n")
    with _writing(output):
        output.write_bytes(("\ufeff" + text).encode("utf-8"))
    summary = ", ".join(f"{k} {v}" for k, v in out["status"].value_counts().items())
    print(f"{len(out)} rows resolved -> {args.output} ({summary})", file=sys.stderr)
    return EXIT_OK


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Turn a failure to write ``path`` (no such folder, a file in the way…) into an InputError."""
    try:
        yield
    except OSError as exc:
        raise og.InputError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from exc


def _columns(args: argparse.Namespace) -> dict[str, str] | None:
    """Return the column mapping of ``--columns`` and ``--columns-file`` (the option wins)."""
    columns: dict[str, str] = {}
    if args.columns_file:
        path = Path(args.columns_file)
        try:
            loaded = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise og.InputError(
                f"--columns-file {str(path)!r} is not readable JSON: {exc}"
            ) from None
        if not isinstance(loaded, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()
        ):
            raise og.InputError(
                f"--columns-file {str(path)!r} must hold one JSON object of field: header, "
                'e.g. {"organisation": "Partner"}'
            )
        columns.update(loaded)
    if args.columns:
        columns.update(og.parse_columns_option(args.columns))
    return columns or None


def _cmd_validate(args: argparse.Namespace) -> int:
    return og.validate_command(
        Path(args.file),
        as_json=args.json,
        out=sys.stdout,
        err=sys.stderr,
        columns=_columns(args),
        fixes=_fixes(args),
    )


def _read_for_analysis(args: argparse.Namespace) -> og.PartnershipData | int:
    """Import DATA; on errors print the report to stderr and return the exit code."""
    data, code, message = og.validate_file(
        Path(args.data), columns=_columns(args), fixes=_fixes(args)
    )
    if data is None:
        print(message, file=sys.stderr)
        return code
    if not data.ok:
        sys.stderr.write(og.format_report(data))
        print("Import geweigerd: los eerst de fouten hierboven op.", file=sys.stderr)
        return EXIT_INPUT_ERRORS
    return data


def _rules(args: argparse.Namespace) -> og.LinkRules:
    # 0 km means "no distance rule", as in the app.
    max_km = args.max_km if args.max_km else None
    return og.LinkRules(scheme=args.scheme, neighbours=not args.no_neighbours, max_km=max_km)


def _cmd_classify(args: argparse.Namespace) -> int:
    data = _read_for_analysis(args)
    if isinstance(data, int):
        return data
    links = og.build_links(data.projects, data.partners, rules=_rules(args))
    first = [
        "project_id",
        "organisation",
        "lead_nis",
        "lead_name",
        "partner_nis",
        "partner_name",
        "partner_region",
        "class",
        "group",
        "reason",
        "distance_km",
        "crosses_province",
        "crosses_region",
    ]
    rest = [
        c
        for c in ("round", "sector_group", "role_code", "partner_location", "source_row")
        if c in links
    ]
    with _writing(Path(args.output)):
        og.write_table(links[first + rest], Path(args.output), sheet="links")
    counts = ", ".join(f"{k} {v}" for k, v in links["class"].value_counts().items())
    print(f"{len(links)} links classified -> {args.output} ({counts})", file=sys.stderr)
    return EXIT_OK


def _cmd_measures(args: argparse.Namespace) -> int:
    allowed = (*og.export.TABLE_FORMATS, *og.GEO_FORMATS)
    if Path(args.output).suffix.lower() not in allowed:
        raise og.InputError(
            f"cannot write {args.output!r}: `measures` writes {', '.join(allowed)}; "
            "choose one of those extensions"
        )
    data = _read_for_analysis(args)
    if isinstance(data, int):
        return data
    links = og.build_links(data.projects, data.partners, rules=_rules(args))
    rules = og.UnderservedRules(peers=args.peers)
    # The uitleg follows the command line's language when it has one (``--lang``).
    lang = getattr(args, "lang", None) or "nl"
    table = og.municipality_measures(links, data.projects, underserved=rules)
    # Most underserved first (the rank), then the others in reference order.
    table = table.sort_values("underserved_rank", na_position="last", kind="stable")
    out = Path(args.output)
    with _writing(out):
        if out.suffix.lower() in og.GEO_FORMATS:
            og.write_municipal_layer(table, out)
        elif out.suffix.lower() == ".xlsx":
            rounds = [str(r) for r in data.projects["round"].dropna().unique() if r]
            rows = og.explanation_rows(table, rules, rounds=rounds, dataset=Path(args.data).name)
            og.to_safe_xlsx(og.tables_with_explanation({"gemeenten": table}, rows), out)
        else:
            og.write_table(table, out, sheet="gemeenten")
    if og.selection_is_empty(table):
        print(og.text("uw_empty", lang), file=sys.stderr)
    flagged = int(table["underserved"].sum())
    areas = int(table["underserved_area"].nunique())
    print(
        f"{len(table)} municipalities -> {args.output} ({flagged} underserved in {areas} areas)",
        file=sys.stderr,
    )
    return EXIT_OK


def _cmd_template(args: argparse.Namespace) -> int:
    with _writing(Path(args.output)):
        og.write_template(Path(args.output), form=args.form)
    print(f"template written -> {args.output}", file=sys.stderr)
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    seed = og.DEMO_SEED if args.seed is None else args.seed
    with _writing(Path(args.output)):
        paths = og.write_demo(Path(args.output), seed=seed)
    for path in paths:
        print(path)
    print("De demodata zijn FICTIEF (gegenereerd).", file=sys.stderr)
    return EXIT_OK


def _add_analysis_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", help="partnership data: XLSX (two sheets or flat) or flat CSV")
    p.add_argument("-o", "--output", required=True, help="output file")
    p.add_argument(
        "--scheme",
        default="referentieregio",
        choices=["referentieregio", "province", "streek", "none"],
        help="home region of the lead (default: referentieregio)",
    )
    p.add_argument(
        "--no-neighbours", action="store_true", help="do not count neighbours as regional"
    )
    p.add_argument(
        "--max-km",
        type=float,
        default=None,
        help="closer than N km counts as regional (0: no distance rule, the default)",
    )
    p.add_argument("--no-fixes", action="store_true", help="ignore the workspace's location fixes")
    _add_column_options(p)


def _add_column_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--columns",
        metavar="FIELD=HEADER,...",
        help="the file's own headers for fields, e.g. organisation=Partner,municipality=Plaats "
        "(see `validate --json` for suggestions)",
    )
    p.add_argument(
        "--columns-file",
        metavar="FILE.json",
        help='the same as a JSON object, e.g. {"organisation": "Partner"}',
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="optil-geo",
        description="Partnerships of bovenlokale cultuurprojecten on the map of Flanders.",
    )
    parser.add_argument("--version", action="version", version=f"optil-geo {og.__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("resolve", help="place text / postal code -> 2025 NIS code")
    p.add_argument(
        "input",
        help="CSV or XLSX with a place column (place, plaats, gemeente or locatie; "
        "optional postcode/postal_code/zip and country/land)",
    )
    p.add_argument("-o", "--output", required=True, help="output .csv")
    p.set_defaults(func=_cmd_resolve)

    p = sub.add_parser(
        "validate", help="check a partnership file; exit 0 ok, 1 errors, 2 unreadable"
    )
    p.add_argument("file", help="XLSX (two sheets or one flat sheet) or flat CSV")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--no-fixes", action="store_true", help="ignore the workspace's location fixes")
    _add_column_options(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("classify", help="classify every partnership link (CSV or XLSX)")
    _add_analysis_options(p)
    p.set_defaults(func=_cmd_classify)

    p = sub.add_parser("measures", help="measures per municipality (CSV, XLSX, GeoJSON, GPKG)")
    _add_analysis_options(p)
    p.add_argument(
        "--peers",
        default="hierarchy",
        choices=list(og.PEER_GROUPS),
        help="compare involvement per inhabitant within the same urban-hierarchy level "
        "(default), the own referentieregio, or all municipalities at once",
    )
    p.set_defaults(func=_cmd_measures)

    p = sub.add_parser("template", help="write an empty import template (XLSX)")
    p.add_argument("-o", "--output", required=True, help="output .xlsx")
    p.add_argument("--form", choices=["two_tables", "flat"], default="two_tables")
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser("demo", help="write the fictional demo dataset")
    p.add_argument("-o", "--output", required=True, help="output folder")
    p.add_argument(
        "--seed", type=int, default=None, help="random seed (default: the committed one)"
    )
    p.set_defaults(func=_cmd_demo)

    ref = sub.add_parser("reference", help="the reference geography")
    ref_sub = ref.add_subparsers(dest="reference_command", required=True)
    p = ref_sub.add_parser("info", help="key counts")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=_cmd_reference_info)
    p = ref_sub.add_parser("fetch", help="download (if needed) and verify the reference files")
    p.add_argument("--dir", help="use this local copy instead of OPTIL_GEO_REFERENCE_DIR")
    p.set_defaults(func=_cmd_reference_fetch)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except og.OptilGeoError as exc:
        print(f"{type(exc).__name__}: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"InputError: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        _details(args)
        return EXIT_UNUSABLE
    except Exception as exc:
        # A bug or an error of a dependency: one line, the traceback only with -v.
        print(f"{type(exc).__name__}: {_one_line(str(exc))}", file=sys.stderr)
        _details(args)
        return EXIT_UNUSABLE


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _details(args: argparse.Namespace) -> None:
    if args.verbose:
        traceback.print_exc(file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
