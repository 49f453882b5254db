"""The ``optil-geo`` command line.

Every subcommand calls the public API (and a private helper for header matching).
The command line speaks Dutch by default and English with ``--lang en`` (or the
environment variable OPTIL_GEO_LANG): its help, its own messages and the tables it
writes (headers, classes, reasons) come from the text catalogue; only argparse's own
complaints about the command line itself stay in English. Errors are caught here,
once: the command prints ``TypeName: message`` on stderr and exits non-zero; a file
that cannot be written is ``InputError: kan '…' niet schrijven: reden``
(``cannot write '…': reason``).

Exit codes: 0 processed (also with warnings or unresolved rows), 1 input errors
(``validate``, ``classify``, ``measures``), 2 unusable input or a failure. Any
failure is one line on stderr; ``-v`` adds the traceback of an unexpected one.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import optil_geo as og
from optil_geo._schema import header_key
from optil_geo.texts import error_message, format_number, text

__all__ = ["main"]

EXIT_OK = 0
EXIT_INPUT_ERRORS = 1
EXIT_UNUSABLE = 2


def _cmd_reference_info(args: argparse.Namespace) -> int:
    info = og.reference_info()
    if args.json:
        print(json.dumps(info))
    else:
        # JSON keeps the keys as codes; the text report words them.
        for key, value in info.items():
            label = text(f"cli_info_{key}", args.lang)
            print(f"{label:>20}: {format_number(value, lang=args.lang)}")
        print(f"{text('cli_source', args.lang):>20}: {text('credit', args.lang)}")
    return EXIT_OK


def _cmd_reference_fetch(args: argparse.Namespace) -> int:
    settings = og.Settings.from_env()
    if args.dir:
        settings = settings.replace(reference_dir=Path(args.dir))
    files = og.fetch_reference(settings)
    for name, path in files.items():
        print(f"ok  {name}  {path}")
    print(text("cli_fetched", args.lang, n=len(files)))
    return EXIT_OK


def _fixes(args: argparse.Namespace) -> dict[tuple[str, str], str]:
    """Return the workspace's location fixes (empty with --no-fixes or when unusable)."""
    if getattr(args, "no_fixes", False):
        return {}
    try:
        return og.Workspace.open(og.Settings.from_env()).fix_lookup()
    except og.WorkspaceError as exc:
        print(text("cli_fixes_not_applied", args.lang, error=exc), file=sys.stderr)
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
        raise og.InputError(text("cli_resolve_csv_only", args.lang, path=repr(args.output)))
    table = og.read_table(Path(args.input))
    frame = table.frame
    headers = [str(c) for c in frame.columns]
    found = {name: _find_column(headers, aliases) for name, aliases in _RESOLVE_COLUMNS.items()}
    place = found["place"]
    if place is None:
        accepted = ", ".join(repr(a) for a in _RESOLVE_COLUMNS["place"])
        raise og.InputError(
            text(
                "cli_no_place_column",
                args.lang,
                path=args.input,
                accepted=accepted,
                headers=repr(headers),
            )
        )
    result = og.resolve_places(
        frame, place=place, postcode=found["postcode"], country=found["country"]
    )
    cols = list(_RESOLVE_OUTPUT)
    out = frame.drop(columns=[c for c in cols if c in frame.columns]).join(result[cols])
    # Same delimiter as the input; always UTF-8 with a BOM, which Excel needs to read
    # the accents of place names (without it, it guesses the Windows code page).
    csv_text = og.neutralise_formulas(out).to_csv(
        sep=table.delimiter, index=False, lineterminator="\n"
    )
    with _writing(output, args.lang):
        output.write_bytes(("\ufeff" + csv_text).encode("utf-8"))
    summary = ", ".join(f"{k} {v}" for k, v in out["status"].value_counts().items())
    message = text("cli_resolved", args.lang, n=len(out), output=args.output, summary=summary)
    print(message, file=sys.stderr)
    return EXIT_OK


def _check_extension(path: Path, lang: str, allowed: Sequence[str]) -> None:
    """Raise an InputError, in the words of ``lang``, unless ``path`` has an ``allowed`` suffix."""
    if Path(path).suffix.lower() not in allowed:
        raise og.InputError(
            text("cli_wrong_extension", lang, path=repr(str(path)), allowed=repr(list(allowed)))
        )


@contextmanager
def _writing(path: Path, lang: str, allowed: Sequence[str] = ()) -> Iterator[None]:
    """Turn a failure to write ``path`` (no such folder, a file in the way…) into an InputError.

    With ``allowed``, first check the extension (in the words of ``lang``).
    """
    if allowed:
        _check_extension(path, lang, allowed)
    folder = Path(path).parent
    if not folder.is_dir():
        # Said here, in the command's language, before a library or GDAL says it in English.
        reason = text("cli_no_folder", lang, folder=repr(str(folder)))
        raise og.InputError(text("cli_cannot_write", lang, path=repr(str(path)), reason=reason))
    try:
        yield
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise og.InputError(
            text("cli_cannot_write", lang, path=repr(str(path)), reason=why)
        ) from exc


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
        lang=args.lang,
    )


def _read_for_analysis(args: argparse.Namespace) -> og.PartnershipData | int:
    """Import DATA; on errors print the report to stderr and return the exit code."""
    data, code, message = og.validate_file(
        Path(args.data), columns=_columns(args), fixes=_fixes(args), lang=args.lang
    )
    if data is None:
        print(message, file=sys.stderr)
        return code
    if not data.ok:
        sys.stderr.write(og.format_report(data, args.lang))
        print(text("cli_import_refused", args.lang), file=sys.stderr)
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
    # A table for people, in the language of the command: worded headers, classes,
    # regions, sectors and reasons; NIS codes and distances as they are.
    table = og.link_table(links, args.lang, columns=_CLASSIFY_COLUMNS)
    output = Path(args.output)
    with _writing(output, args.lang, _TABLE_FORMATS):
        og.write_table(table, output, sheet=text("links_sheet", args.lang))
    per_class = links["class"].value_counts()
    counts = ", ".join(
        f"{og.class_label(c, args.lang)} {per_class[c]}" for c in og.CLASSES if c in per_class
    )
    message = text("cli_classified", args.lang, n=len(links), output=args.output, counts=counts)
    print(message, file=sys.stderr)
    return EXIT_OK


_TABLE_FORMATS = (".csv", ".xlsx")

_CLASSIFY_COLUMNS = (
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
    "round",
    "sector_group",
    "role",
    "source_row",
)
"""The columns of ``classify``'s output, in order (worded by :func:`optil_geo.link_table`)."""


def _cmd_measures(args: argparse.Namespace) -> int:
    out = Path(args.output)
    allowed = (*og.export.TABLE_FORMATS, *og.GEO_FORMATS)
    lang = args.lang
    _check_extension(out, lang, allowed)  # before the data is read
    data = _read_for_analysis(args)
    if isinstance(data, int):
        return data
    links = og.build_links(data.projects, data.partners, rules=_rules(args))
    rules = og.UnderservedRules(peers=args.peers)
    measures = og.municipality_measures(links, data.projects, underserved=rules)
    # Most underserved first (the rank), then the others in reference order.
    measures = measures.sort_values("underserved_rank", na_position="last", kind="stable")
    with _writing(out, lang):
        if out.suffix.lower() in og.GEO_FORMATS:
            # GIS layers keep the field names as codes: QGIS users script against them.
            og.write_municipal_layer(measures, out)
        elif args.codes:
            og.write_table(measures, out, sheet="municipalities")
        else:
            # For people, in the language of the command (``--lang``): worded headers,
            # hierarchy levels, flags and reasons; names, codes and numbers as they are.
            worded = measures.assign(underserved_reason=og.reason_texts(measures, rules, lang=lang))
            table = og.people_table(worded, lang)
            sheet = text("municipalities_sheet", lang)
            if out.suffix.lower() == ".xlsx":
                rounds = [str(r) for r in data.projects["round"].dropna().unique() if r]
                rows = og.explanation_rows(
                    measures, rules, lang=lang, rounds=rounds, dataset=Path(args.data).name
                )
                sheets = og.tables_with_explanation({sheet: table}, rows, lang=lang)
                og.to_safe_xlsx(sheets, out)
            else:
                og.write_table(table, out, sheet=sheet)
    if og.selection_is_empty(measures):
        print(og.text("uw_empty", lang), file=sys.stderr)
    flagged = int(measures["underserved"].sum())
    areas = int(measures["underserved_area"].nunique())
    message = text(
        "cli_measured", lang, n=len(measures), output=args.output, flagged=flagged, areas=areas
    )
    print(message, file=sys.stderr)
    return EXIT_OK


def _cmd_template(args: argparse.Namespace) -> int:
    with _writing(Path(args.output), args.lang):
        og.write_template(Path(args.output), form=args.form, lang=args.lang)
    print(text("cli_template_written", args.lang, output=args.output), file=sys.stderr)
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    seed = og.DEMO_SEED if args.seed is None else args.seed
    with _writing(Path(args.output), args.lang):
        paths = og.write_demo(Path(args.output), seed=seed)
    for path in paths:
        print(path)
    print(text("cli_demo_fictional", args.lang), file=sys.stderr)
    return EXIT_OK


def _workspace_path(args: argparse.Namespace) -> Path:
    return Path(args.workspace) if args.workspace else og.Settings.from_env().workspace_path


def _cmd_workspace_info(args: argparse.Namespace) -> int:
    path = _workspace_path(args)
    counts = og.Workspace(path).counts() if path.exists() else {}
    if args.json:
        print(json.dumps({"path": str(path), "exists": path.exists(), **counts}))
        return EXIT_OK
    lang = args.lang
    if not path.exists():
        print(f"{text('cli_ws_path', lang):>16}: {path} ({text('cli_ws_not_made', lang)})")
        return EXIT_OK
    print(f"{text('cli_ws_path', lang):>16}: {path}")
    for key, value in counts.items():
        print(f"{text(f'cli_ws_{key}', lang):>16}: {format_number(value, lang=lang)}")
    return EXIT_OK


def _cmd_workspace_backup(args: argparse.Namespace) -> int:
    path = _workspace_path(args)
    if not path.is_file():
        raise og.WorkspaceError(
            text("cli_ws_nothing_to_back_up", args.lang, path=repr(str(path))), code="missing"
        )
    target = og.Workspace(path).backup(Path(args.file), overwrite=args.force)
    print(text("cli_ws_backed_up", args.lang, path=path, target=target), file=sys.stderr)
    return EXIT_OK


def _cmd_workspace_restore(args: argparse.Namespace) -> int:
    path = _workspace_path(args)
    _, aside = og.Workspace.restore(path, Path(args.file))
    print(text("cli_ws_restored", args.lang, backup=args.file, path=path), file=sys.stderr)
    if aside is not None:
        print(text("cli_ws_kept_aside", args.lang, aside=aside), file=sys.stderr)
    return EXIT_OK


class _Words:
    """The parser's help in one language: ``words("key")`` is the catalogue's ``cli_help_key``."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str) -> str:
        return text(f"cli_help_{key}", self.lang)

    def formatter(self, prog: str) -> argparse.HelpFormatter:
        return _Formatter(prog, usage=self("usage"))


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, with the word before the usage line in the chosen language."""

    def __init__(self, prog: str, *, usage: str) -> None:
        super().__init__(prog)
        self._usage_word = usage

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        # argparse asks for no prefix ("") when it builds a subcommand's prog.
        word = f"{self._usage_word}: " if prefix is None else prefix
        super().add_usage(usage, actions, groups, word)


def _worded(parser: argparse.ArgumentParser, words: _Words) -> argparse.ArgumentParser:
    """Give a parser worded section titles and a worded ``-h``."""
    parser._positionals.title = words("positionals")
    parser._optionals.title = words("options")
    parser.add_argument("-h", "--help", action="help", help=words("help"))
    return parser


def _command(sub: Any, name: str, words: _Words, key: str = "") -> argparse.ArgumentParser:
    """Add the subcommand ``name``, with its help (the catalogue's ``cli_help_<key>``)."""
    said = words(key or name)
    parser = sub.add_parser(
        name, help=said, description=said, formatter_class=words.formatter, add_help=False
    )
    return _worded(parser, words)


def _add_workspace_parser(sub: Any, words: _Words) -> None:
    ws = _command(sub, "workspace", words)
    ws.add_argument("--workspace", help=words("workspace_file"))
    ws_sub = ws.add_subparsers(dest="workspace_command", required=True, title=words("commands"))
    p = _command(ws_sub, "info", words, "workspace_info")
    p.add_argument("--json", action="store_true", help=words("json"))
    p.set_defaults(func=_cmd_workspace_info)
    p = _command(ws_sub, "backup", words, "workspace_backup")
    p.add_argument("file", help=words("backup_file"))
    p.add_argument("--force", action="store_true", help=words("force"))
    p.set_defaults(func=_cmd_workspace_backup)
    p = _command(ws_sub, "restore", words, "workspace_restore")
    p.add_argument("file", help=words("restore_file"))
    p.set_defaults(func=_cmd_workspace_restore)


def _add_analysis_options(p: argparse.ArgumentParser, words: _Words) -> None:
    p.add_argument("data", help=words("data"))
    p.add_argument("-o", "--output", required=True, help=words("output"))
    p.add_argument(
        "--scheme",
        default="referentieregio",
        choices=["referentieregio", "province", "streek", "none"],
        help=words("scheme"),
    )
    p.add_argument("--no-neighbours", action="store_true", help=words("no_neighbours"))
    p.add_argument("--max-km", type=float, default=None, help=words("max_km"))
    p.add_argument("--no-fixes", action="store_true", help=words("no_fixes"))
    _add_column_options(p, words)


def _add_column_options(p: argparse.ArgumentParser, words: _Words) -> None:
    p.add_argument("--columns", metavar="FIELD=HEADER,...", help=words("columns"))
    p.add_argument("--columns-file", metavar="FILE.json", help=words("columns_file"))


def _parser(lang: str = "nl") -> argparse.ArgumentParser:
    """Return the command line's parser, its help in ``lang``."""
    words = _Words(lang)
    parser = argparse.ArgumentParser(
        prog="optil-geo",
        description=words("description"),
        formatter_class=words.formatter,
        add_help=False,
    )
    _worded(parser, words)
    parser.add_argument(
        "--version",
        action="version",
        version=f"optil-geo {og.__version__}",
        help=words("version"),
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=words("verbose"))
    parser.add_argument("--lang", choices=list(og.LANGUAGES), default=lang, help=words("lang"))
    sub = parser.add_subparsers(dest="command", required=True, title=words("commands"))

    p = _command(sub, "resolve", words)
    p.add_argument("input", help=words("resolve_input"))
    p.add_argument("-o", "--output", required=True, help=words("resolve_output"))
    p.set_defaults(func=_cmd_resolve)

    p = _command(sub, "validate", words)
    p.add_argument("file", help=words("validate_file"))
    p.add_argument("--json", action="store_true", help=words("json"))
    p.add_argument("--no-fixes", action="store_true", help=words("no_fixes"))
    _add_column_options(p, words)
    p.set_defaults(func=_cmd_validate)

    p = _command(sub, "classify", words)
    _add_analysis_options(p, words)
    p.set_defaults(func=_cmd_classify)

    p = _command(sub, "measures", words)
    _add_analysis_options(p, words)
    p.add_argument(
        "--peers", default="hierarchy", choices=list(og.PEER_GROUPS), help=words("peers")
    )
    p.add_argument("--codes", action="store_true", help=words("codes"))
    p.set_defaults(func=_cmd_measures)

    p = _command(sub, "template", words)
    p.add_argument("-o", "--output", required=True, help=words("template_output"))
    p.add_argument(
        "--form", choices=["two_tables", "flat"], default="two_tables", help=words("form")
    )
    p.set_defaults(func=_cmd_template)

    p = _command(sub, "demo", words)
    p.add_argument("-o", "--output", required=True, help=words("demo_output"))
    p.add_argument("--seed", type=int, default=None, help=words("seed"))
    p.set_defaults(func=_cmd_demo)

    ref = _command(sub, "reference", words)
    ref_sub = ref.add_subparsers(dest="reference_command", required=True, title=words("commands"))
    p = _command(ref_sub, "info", words, "reference_info")
    p.add_argument("--json", action="store_true", help=words("json"))
    p.set_defaults(func=_cmd_reference_info)
    p = _command(ref_sub, "fetch", words, "reference_fetch")
    p.add_argument("--dir", help=words("fetch_dir"))
    p.set_defaults(func=_cmd_reference_fetch)

    _add_workspace_parser(sub, words)
    return parser


_LANG_VARIABLE = "OPTIL_GEO_LANG"


def _language(argv: Sequence[str]) -> str:
    """The language of the command line before it is parsed, so that ``--help`` speaks it.

    ``--lang X`` (or ``--lang=X``) wins, then the environment variable OPTIL_GEO_LANG,
    then Dutch. A value that is no language is left for the parser to refuse.
    """
    chosen = os.environ.get(_LANG_VARIABLE, "").strip().lower()
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            chosen = argv[i + 1]
        elif arg.startswith("--lang="):
            chosen = arg.removeprefix("--lang=")
    return chosen if chosen in og.LANGUAGES else "nl"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    args = _parser(_language(arguments)).parse_args(arguments)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except og.OptilGeoError as exc:
        message = error_message(exc, args.lang)
        print(f"{type(exc).__name__}: {_one_line(message)}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        reason = exc.strerror or exc
        print(
            f"InputError: {text('cli_cannot_use', args.lang, where=where, reason=reason)}",
            file=sys.stderr,
        )
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
