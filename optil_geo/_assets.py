"""Serve Leaflet from local files so that folium maps work with no internet.

folium 0.20 points every map at eleven CDN files (Leaflet, jQuery, Bootstrap,
Font Awesome, awesome-markers, ...). optil-geo needs only Leaflet, which ships
in the ``xstatic-leaflet`` package, plus the two jQuery calls that folium's
``Popup`` template and ``Map(keep_in_front=...)`` make; a tiny stand-in for
those (``folium-support.js``) is shipped here instead of jQuery itself.

Two ways to get a map on screen without a network:

- In Streamlit through ``streamlit_folium.st_folium``: the component loads the
  map's ``default_js``/``default_css`` URLs by adding ``<script src>`` and
  ``<link href>`` tags to its own iframe, which lives at
  ``<server>/component/streamlit_folium.st_folium/index.html``. Streamlit's static
  file serving (``server.enableStaticServing = true``) serves the folder
  ``static/`` next to the *main script* (the file given to ``streamlit run``,
  not the page file and not the working directory) at ``<server>/app/static/``.
  :func:`install_static_assets` copies Leaflet into ``<that folder>/leaflet`` and
  :func:`use_local_assets` points the map at it with a URL relative to the
  component iframe, which also holds behind ``server.baseUrlPath``.
- As a standalone file: :func:`standalone_html` inlines Leaflet (images as
  ``data:`` URIs) so that the page opens from disk with networking off.

Elements that pull their own CDN files (branca colormaps pull d3, ``folium.Icon``
needs awesome-markers, most ``folium.plugins``) are refused with a message rather
than silently drawn blank.
"""

from __future__ import annotations

import base64
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import branca.colormap
import folium
from branca.element import CssLink, Element, Figure, JavascriptLink
from folium.elements import JSCSSMixin
from xstatic.pkg import leaflet as xstatic_leaflet

__all__ = [
    "DEFAULT_BASE_URL",
    "LEAFLET_VERSION",
    "external_urls",
    "install_static_assets",
    "leaflet_files",
    "standalone_html",
    "use_local_assets",
]

LEAFLET_VERSION = "1.9.3"
"""The Leaflet version folium 0.20 is written for and xstatic-leaflet ships."""

DEFAULT_BASE_URL = "../../app/static/leaflet"
"""Where ``st_folium``'s iframe finds the files of :func:`install_static_assets`.

The iframe document is ``<server>/component/streamlit_folium.st_folium/index.html``,
so ``../../app/static/leaflet`` resolves to ``<server>/app/static/leaflet``, with or
without a ``server.baseUrlPath`` prefix. A bare ``app/static/leaflet`` would resolve
inside the component folder and 404.
"""

_FOLDER = "leaflet"
_SUPPORT_FILE = "folium-support.js"

# Loaded right after leaflet.js (st_folium loads scripts in order, CSS unordered).
# 1. folium templates use jQuery in exactly two places: ``$(`<div>...</div>`)[0]``
#    to turn Popup HTML into a node, and ``$(document).ready(fn)`` for
#    keep_in_front. jQuery runs ready-callbacks asynchronously when the page is
#    already loaded; the stand-in must too, because the callback names variables
#    declared later in the map script.
# 2. Leaflet finds its default marker images through leaflet.css; when the map
#    script runs before that CSS has loaded (st_folium does not wait for it),
#    Leaflet falls back to a path without "/images/" and the marker 404s. The
#    images sit next to this file, so derive the path from its own URL.
_SUPPORT_JS = """\
/* optil-geo: what folium needs besides Leaflet, without jQuery. */
(function () {
  var script = document.currentScript;
  if (window.L && script && script.src && typeof L.Icon.Default.imagePath !== "string") {
    L.Icon.Default.imagePath = script.src.replace(/[^/]*$/, "") + "images/";
  }
  if (window.jQuery || window.$) { return; }
  window.$ = function (arg) {
    if (typeof arg === "string") {
      var template = document.createElement("template");
      template.innerHTML = arg.trim();
      return Array.prototype.slice.call(template.content.children);
    }
    return {
      ready: function (fn) {
        if (document.readyState === "loading") {
          document.addEventListener("DOMContentLoaded", function () { fn(); });
        } else {
          window.setTimeout(fn, 0);
        }
      },
    };
  };
})();
"""

# Names under which folium.Map lists its CDN files (folium/folium.py).
_MAP_JS_LOCAL = {"leaflet": "leaflet.js", "jquery": _SUPPORT_FILE}
_MAP_JS_DROPPED = frozenset({"bootstrap", "awesome_markers"})
_MAP_CSS_LOCAL = {"leaflet_css": "leaflet.css"}
_MAP_CSS_DROPPED = frozenset(
    {
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers_font_css",
        "awesome_markers_css",
        "awesome_rotate_css",
    }
)
_MAP_LINK_NAMES = (
    frozenset(_MAP_JS_LOCAL) | _MAP_JS_DROPPED | frozenset(_MAP_CSS_LOCAL) | _MAP_CSS_DROPPED
)

# A base URL that cannot occur in a real map, replaced by inline code afterwards.
_INLINE_BASE = "optil-geo-inline-asset"

_EXTERNAL_TAG_URL = re.compile(
    r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*\\?["']?\s*((?:https?:)?//[^"'\\\s>]+)""",
    re.IGNORECASE,
)
_EXTERNAL_CSS_URL = re.compile(
    r"""(?:url\(|@import\s)\s*["']?\s*((?:https?:)?//[^"')\s;]+)""", re.IGNORECASE
)
_SOURCE_MAP_COMMENT = re.compile(r"^\s*(?://|/\*)# sourceMappingURL=.*$", re.MULTILINE)
_CSS_IMAGE_URL = re.compile(r"""url\(\s*["']?images/([\w.-]+\.png)["']?\s*\)""")


def leaflet_files() -> dict[str, Path]:
    """Return the local Leaflet files shipped by ``xstatic-leaflet``.

    Returns
    -------
    dict of str to pathlib.Path
        ``"leaflet.js"`` and ``"leaflet.css"`` map to the files, ``"images"`` to the
        folder of the PNGs that ``leaflet.css`` refers to.

    Raises
    ------
    FileNotFoundError
        If the package is installed without one of these files.
    """
    base = Path(xstatic_leaflet.BASE_DIR)
    files = {
        "leaflet.js": base / "leaflet.js",
        "leaflet.css": base / "leaflet.css",
        "images": base / "images",
    }
    missing = [str(path) for path in files.values() if not path.exists()]
    if missing:
        raise FileNotFoundError(
            f"xstatic-leaflet is missing {missing!r}; reinstall it with "
            f"`pip install --force-reinstall 'xstatic-leaflet>=1.9,<1.10'`"
        )
    return files


def install_static_assets(static_dir: Path | str) -> Path:
    """Copy Leaflet into ``static_dir / "leaflet"`` for Streamlit static serving.

    Streamlit serves the folder ``static`` next to the main script (the file
    passed to ``streamlit run``) at ``/app/static/`` once
    ``server.enableStaticServing`` is true, so an app calls this with
    ``Path(__file__).parent / "static"``.

    The copy is idempotent and cheap when the files are already there (they are
    compared, not rewritten), and safe when two processes run it at once: each
    file is written to a temporary name and moved into place atomically.

    Parameters
    ----------
    static_dir : pathlib.Path or str
        The static folder; it is created when missing.

    Returns
    -------
    pathlib.Path
        The folder holding ``leaflet.js``, ``leaflet.css``, ``images/`` and
        ``folium-support.js`` (the jQuery stand-in, and the marker image path).
    """
    target = Path(static_dir) / _FOLDER
    files = leaflet_files()
    _write_if_changed(files["leaflet.js"].read_bytes(), target / "leaflet.js")
    _write_if_changed(files["leaflet.css"].read_bytes(), target / "leaflet.css")
    for image in sorted(files["images"].glob("*.png")):
        _write_if_changed(image.read_bytes(), target / "images" / image.name)
    _write_if_changed(_SUPPORT_JS.encode("utf-8"), target / _SUPPORT_FILE)
    return target


def use_local_assets(m: folium.Map, base_url: str = DEFAULT_BASE_URL) -> folium.Map:
    """Point a folium map at the local Leaflet files instead of CDNs.

    Leaflet's JS and CSS come from ``base_url``; jQuery is replaced by a small
    stand-in (folium's ``Popup`` needs it) that also tells Leaflet where its
    marker images are; Bootstrap, Font Awesome and
    awesome-markers are dropped. The map is changed in place, and links that an
    earlier render put in the page header are removed. Tile layers are left
    alone: create the map with ``tiles=None`` for a boundaries-only basemap.

    Parameters
    ----------
    m : folium.Map
        The map to change.
    base_url : str, default DEFAULT_BASE_URL
        URL of the folder written by :func:`install_static_assets`, as seen from
        the page that loads the map. The default suits ``st_folium``.

    Returns
    -------
    folium.Map
        The same map, for chaining.

    Raises
    ------
    TypeError
        If `m` is not a ``folium.Map``.
    ValueError
        If `base_url` is empty, or an element of the map needs files from the
        internet (a branca colormap, ``folium.Icon``, most plugins).
    """
    _check_map(m)
    if not isinstance(base_url, str) or not base_url.strip():
        raise ValueError(f"`base_url` was {base_url!r} but must be a non-empty URL")
    _check_children(m)
    base = base_url.rstrip("/")
    m.default_js = _local_links(
        m.default_js, local=_MAP_JS_LOCAL, dropped=_MAP_JS_DROPPED, base=base, kind="default_js"
    )
    m.default_css = _local_links(
        m.default_css,
        local=_MAP_CSS_LOCAL,
        dropped=_MAP_CSS_DROPPED,
        base=base,
        kind="default_css",
    )
    _drop_header_links(m)
    return m


def standalone_html(m: folium.Map) -> str:
    """Render a map as one HTML page that works from disk with no network.

    Leaflet's JS and CSS are inlined, the images that ``leaflet.css`` refers to
    become ``data:`` URIs, and Leaflet's default marker icon is set to ``data:``
    URIs too. The map's own asset settings are restored afterwards, so the same
    map can still be shown with ``st_folium``.

    Parameters
    ----------
    m : folium.Map
        The map to export. Tile layers stay as they are (they load only when
        online); use ``tiles=None`` for a fully offline page.

    Returns
    -------
    str
        The complete HTML document.

    Raises
    ------
    TypeError
        If `m` is not a ``folium.Map``.
    ValueError
        If an element of the map needs files from the internet.
    """
    _check_map(m)
    saved = {name: m.__dict__[name] for name in ("default_js", "default_css") if name in m.__dict__}
    try:
        use_local_assets(m, base_url=_INLINE_BASE)
        html = m.get_root().render()
    finally:
        for name in ("default_js", "default_css"):
            if name in saved:
                setattr(m, name, saved[name])
            else:
                m.__dict__.pop(name, None)
        _drop_header_links(m)
    html = _inline_assets(html)
    leftover = external_urls(html)
    if leftover:
        raise ValueError(f"the map still loads {leftover!r} from the internet")
    return html


def external_urls(html: str) -> list[str]:
    """List the URLs on the internet that an HTML page would load.

    Looks at ``src``/``href`` of ``<script>``, ``<link>`` and ``<img>`` tags (also
    inside JavaScript strings, where folium puts popup HTML) and at CSS ``url()``
    and ``@import``. A URL counts when it starts with ``http://``, ``https://`` or
    ``//``. Plain ``<a href>`` links are not loads and are ignored.

    Parameters
    ----------
    html : str
        The page.

    Returns
    -------
    list of str
        The URLs in order of first appearance, without duplicates.
    """
    found = [match.group(1) for match in _EXTERNAL_TAG_URL.finditer(html)]
    found += [match.group(1) for match in _EXTERNAL_CSS_URL.finditer(html)]
    return list(dict.fromkeys(found))


def _check_map(m: object) -> None:
    if not isinstance(m, folium.Map):
        raise TypeError(f"`m` was a {type(m).__name__!r} but must be a folium.Map")


def _is_external(url: str) -> bool:
    return url.lower().startswith(("http://", "https://", "//"))


def _walk(element: Element) -> Iterator[Element]:
    for child in element._children.values():
        yield child
        yield from _walk(child)


def _check_children(m: folium.Map) -> None:
    """Refuse elements that load files from the internet; name each one."""
    problems: list[str] = []
    for element in _walk(m):
        name = type(element).__name__
        if isinstance(element, branca.colormap.ColorMap):
            problems.append(
                f"{name} (branca colormaps load d3 from a CDN, in folium and in "
                f"st_folium; draw the legend as HTML with folium.Element instead)"
            )
        elif isinstance(element, folium.Icon):
            problems.append(
                f"{name} (needs Leaflet.awesome-markers from a CDN; use folium.DivIcon)"
            )
        elif isinstance(element, JSCSSMixin):
            urls = [url for _, url in [*element.default_js, *element.default_css]]
            problems += [f"{name} (loads {url!r})" for url in urls if _is_external(url)]
    if problems:
        raise ValueError(
            "the map cannot work offline because these elements need files from "
            "the internet: " + "; ".join(problems)
        )


def _local_links(
    links: list[tuple[str, str]],
    *,
    local: dict[str, str],
    dropped: frozenset[str],
    base: str,
    kind: str,
) -> list[tuple[str, str]]:
    """Return `links` with folium's CDN entries replaced by local files or dropped."""
    result = [(name, f"{base}/{file}") for name, file in local.items()]
    for name, url in links:
        if name in local or name in dropped:
            continue
        if _is_external(url):
            raise ValueError(
                f"folium.Map.{kind} has {name!r} -> {url!r}, which needs the internet; "
                f"only {sorted(local)!r} are served locally"
            )
        result.append((name, url))
    return result


def _drop_header_links(m: folium.Map) -> None:
    """Remove links that an earlier render of `m` put in its figure header."""
    figure = m.get_root()
    if not isinstance(figure, Figure):
        return
    children = figure.header._children
    for name in [name for name in children if name in _MAP_LINK_NAMES]:
        if isinstance(children[name], (JavascriptLink, CssLink)):
            del children[name]


def _inline_assets(html: str) -> str:
    """Replace the placeholder links of :func:`standalone_html` by inline code."""
    files = leaflet_files()
    images = {
        image.name: "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
        for image in sorted(files["images"].glob("*.png"))
    }
    leaflet_js = _SOURCE_MAP_COMMENT.sub("", files["leaflet.js"].read_text(encoding="utf-8"))
    icon_js = (
        'L.Icon.Default.imagePath = "";\n'
        "L.Icon.Default.mergeOptions({"
        f'iconUrl: "{images["marker-icon.png"]}", '
        f'iconRetinaUrl: "{images["marker-icon-2x.png"]}", '
        f'shadowUrl: "{images["marker-shadow.png"]}"}});'
    )
    css = _SOURCE_MAP_COMMENT.sub("", files["leaflet.css"].read_text(encoding="utf-8"))
    css = _CSS_IMAGE_URL.sub(lambda match: f'url("{images[match.group(1)]}")', css)
    replacements = {
        f'<script src="{_INLINE_BASE}/leaflet.js"></script>': (
            _script(leaflet_js) + "\n" + _script(icon_js)
        ),
        f'<script src="{_INLINE_BASE}/{_SUPPORT_FILE}"></script>': _script(_SUPPORT_JS),
        f'<link rel="stylesheet" href="{_INLINE_BASE}/leaflet.css"/>': (
            "<style>\n" + css.replace("</style", r"<\/style") + "\n</style>"
        ),
    }
    for tag, code in replacements.items():
        if tag not in html:
            raise RuntimeError(f"expected {tag!r} in the rendered map; has branca changed?")
        html = html.replace(tag, code)
    return html


def _script(code: str) -> str:
    # "</script" inside inline code would end the tag early; "<\/" means the same in JS.
    return "<script>\n" + code.replace("</script", r"<\/script") + "\n</script>"


def _write_if_changed(data: bytes, dest: Path) -> None:
    """Write `data` to `dest` atomically unless it already holds exactly that."""
    if dest.is_file() and dest.stat().st_size == len(data) and dest.read_bytes() == data:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp", delete=False
    ) as handle:
        handle.write(data)
        tmp = Path(handle.name)
    try:
        tmp.replace(dest)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
