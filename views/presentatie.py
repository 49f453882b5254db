"""Presentatie: five fixed steps for a projector, large and clean, keyboard-driven.

The sidebar is hidden on this page (CSS), the figures are large, and the step
lives in the URL (``?stap=3``) so a presenter can jump. Next/previous work with
the buttons, the step bar, and the keyboard: → and PageDown (what presentation
clickers send) go forward, ← and PageUp go back.
"""

from __future__ import annotations

import streamlit as st

import optil_geo as og
from optil_geo import maps
from optil_geo._assets import use_local_assets
from ui import data, gaps, mapview
from ui.exports import Categories, describe_filters, export_panel
from ui.layout import empty_selection, guard, html_text
from ui.presentation import STEPS, StepContent, clamp_step, step_after, step_content, step_title
from ui.text import lang, t

URL_KEY = "stap"
STEP_KEY = "pres_stap"
# At most this many flows per step: the overview stays readable.
TOP_N = {1: 80, 2: 150, 3: 120, 4: 100, 5: 0}
NEXT_KEY, PREV_KEY = "pres_next", "pres_prev"

# Hide the sidebar and its toggle, use the full width, enlarge the type.
# The map takes the window's height minus what sits above it (step bar, title) and the
# key under it; with the sidebar hidden, nothing else is above the fold.
MAP_FILL = "calc(100vh - 10rem)"
LABEL_PX = 17  # map labels on a projector: at least 16 px
# Hide the sidebar and its toggle, use the full width, enlarge the type (all slide
# text at least 20 px); on a low screen (a 1280×720 projector) the figures shrink so
# that figures and legend fit beside the map.
_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stSidebarNav"] { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: .6rem 1.6rem 2rem !important; }
[data-testid="stHeader"] { background: transparent; height: 0; }
[data-testid="stToolbar"] { top: .2rem; }
.og-pres-head { display: flex; align-items: baseline; flex-wrap: wrap; gap: 0 1.1rem; }
.og-pres-title { font: 700 2.4rem/1.15 "Source Sans", system-ui, sans-serif; color: #1f1f1f; margin: 0; }
.og-pres-sub { font: 400 1.5rem/1.2 "Source Sans", system-ui, sans-serif; color: #444; margin: 0; }
.og-pres-sub.og-pres-side { font-size: 1.25rem; line-height: 1.3; margin: 0 0 .4rem; }
.og-pres-badge { display: inline-block; margin-left: .8rem; vertical-align: middle; padding: .1rem .6rem; border-radius: .3rem;
                 background: #E69F00; color: #1f1f1f; font: 700 1.25rem/1.4 system-ui, sans-serif; }
.og-fig { border-left: .45rem solid #0072B2; padding: .3rem 0 .3rem 1rem; margin: 0 0 1.2rem; }
.og-fig .v { font: 700 3.4rem/1 "Source Sans", system-ui, sans-serif; color: #0c2c84; }
.og-fig .l { font: 400 1.45rem/1.2 "Source Sans", system-ui, sans-serif; color: #222; margin-top: .2rem; }
.og-fig .n { font: 400 1.25rem/1.25 "Source Sans", system-ui, sans-serif; color: #555; margin-top: .1rem; }
.og-pres-legend .og-strip { font: 400 20px/1.3 system-ui, sans-serif; margin-bottom: .7rem; }
.og-pres-legend .og-strip-line { gap: .1rem .9rem; }
.og-pres-legend .og-strip .og-key-note { font-size: 20px; line-height: 1.25; }
.og-pres-foot { font: 400 1.25rem/1.3 system-ui, sans-serif; color: #555; }
[class*="st-key-pres_"] button p { font-size: 1.25rem; }
/* The step bar wraps on a narrow screen (a phone) instead of running off it. */
.st-key-pres_stap [data-testid="stButtonGroup"] > div { flex-wrap: wrap; overflow: visible; }
/* On a phone the map is as high as Flanders needs, not the window's height. */
@media (max-width: 640px) { div.st-key-ogmap-presentatie iframe { height: max(320px, 80vw) !important; } }
@media (max-height: 820px) {
  .og-pres-title { font-size: 2rem; }
  .og-pres-sub { font-size: 1.25rem; }
  .og-fig { margin-bottom: .3rem; padding: .05rem 0 .05rem .8rem; }
  .og-fig .v { font-size: 1.8rem; }
  .og-fig .l { font-size: 1.25rem; line-height: 1.1; }
  .og-pres-legend .og-strip { line-height: 1.12; margin-bottom: .3rem; }
  .og-pres-legend .og-strip-line { row-gap: 0; }  /* a long key may wrap its words */
  .og-fig .n, .og-pres-legend .og-strip + .og-strip .og-key-note { display: none; }
}
</style>
"""

# Keyboard: one listener per browser tab (flagged on window), also inside the map
# iframes (same origin), that clicks Streamlit's own next/previous buttons. The
# buttons exist only on this page, so on other pages the keys do nothing.
_KEYS_JS = """
<script>
(function () {
  var root = window;
  if (root.__optilPresKeys) { return; }
  root.__optilPresKeys = true;
  var NEXT = ["ArrowRight", "PageDown"], PREV = ["ArrowLeft", "PageUp"];
  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    var target = event.target;
    if (target && (target.isContentEditable ||
        /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName || ""))) { return; }
    var key = NEXT.indexOf(event.key) >= 0 ? "pres_next"
            : PREV.indexOf(event.key) >= 0 ? "pres_prev" : null;
    if (!key) { return; }
    if (!document.querySelector(".st-key-" + key)) { return; }
    event.preventDefault();
    event.stopPropagation();
    queue.push(key);
    if (queue.length === 1) { setTimeout(flush, 0); }
  }
  // Keys are handled one at a time: after a click, the next waits until the step
  // bar shows the new step and the script has finished. A click sent earlier would
  // carry the previous step and be lost.
  var queue = [], waitFor = null;
  function activeStep() {
    var buttons = document.querySelectorAll(".st-key-pres_stap button");
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].getAttribute("aria-checked") === "true") { return i; }
    }
    return -1;
  }
  function running() {
    var app = document.querySelector('[data-testid="stApp"]');
    return (app && app.getAttribute("data-test-script-state") === "running") ||
      !!document.querySelector('[data-testid="stStatusWidgetRunningIcon"]');
  }
  function flush() {
    if (waitFor && activeStep() === waitFor.step && Date.now() - waitFor.since < 5000) {
      setTimeout(flush, 60);
      return;
    }
    waitFor = null;
    if (running()) { setTimeout(flush, 60); return; }
    var key = queue.shift();
    var button = key && document.querySelector(".st-key-" + key + " button");
    if (button && !button.disabled) {
      waitFor = {step: activeStep(), since: Date.now()};
      button.click();
    }
    if (queue.length) { setTimeout(flush, 60); }
  }
  document.addEventListener("keydown", onKey, true);
  // A click on the map moves the focus into its iframe; listen there too.
  setInterval(function () {
    if (!document.querySelector(".st-key-pres_next")) { return; }
    document.querySelectorAll("iframe").forEach(function (frame) {
      try {
        var doc = frame.contentDocument;
        if (doc && !doc.__optilPresKeys) {
          doc.__optilPresKeys = true;
          doc.addEventListener("keydown", onKey, true);
        }
      } catch (e) { /* another origin: leave it */ }
    });
  }, 1000);
})();
</script>
"""


def _go(delta: int) -> None:
    st.session_state[STEP_KEY] = step_after(st.session_state.get(STEP_KEY, 1), delta)


def _figures_html(content: StepContent) -> str:
    parts = []
    for fig in content.figures[:3]:
        note = f'<div class="n">{html_text(fig.note)}</div>' if fig.note else ""
        parts.append(
            f'<div class="og-fig"><div class="v">{html_text(fig.value)}</div>'
            f'<div class="l">{html_text(fig.label)}</div>{note}</div>'
        )
    return "".join(parts)


def _navigation() -> int:
    # The step is kept in the URL as a plain number (?stap=3): the widget itself is
    # not bound, because a bound option widget writes its label into the URL.
    if STEP_KEY not in st.session_state:
        st.session_state[STEP_KEY] = clamp_step(st.query_params.get(URL_KEY, STEPS[0]))
    step = clamp_step(st.session_state[STEP_KEY])
    left, middle, right = st.columns([1, 6, 1], vertical_alignment="center")
    left.button(
        t("prev"),
        key=PREV_KEY,
        icon=":material/arrow_back:",
        on_click=_go,
        args=(-1,),
        disabled=step == STEPS[0],
        width="stretch",
    )
    right.button(
        t("next"),
        key=NEXT_KEY,
        icon=":material/arrow_forward:",
        on_click=_go,
        args=(1,),
        disabled=step == STEPS[-1],
        width="stretch",
    )
    chosen = middle.segmented_control(
        t("step"),
        STEPS,
        format_func=step_title,
        required=True,
        key=STEP_KEY,
        label_visibility="collapsed",
        width="stretch",
    )
    step = clamp_step(chosen)
    if st.query_params.get(URL_KEY) != str(step):
        st.query_params[URL_KEY] = str(step)
    return step


# A longer subtitle (the underserved definition) goes beside the map, so the map keeps
# its height on a 1280x720 projector. (No bare strings here: Streamlit would show them.)
SUBTITLE_MAX = 90


def _long(content: StepContent) -> bool:
    return len(content.subtitle) > SUBTITLE_MAX


def _subtitle(content: StepContent, *, side: bool = False) -> str:
    css = "og-pres-sub og-pres-side" if side else "og-pres-sub"
    return f'<div class="{css}">{html_text(content.subtitle)}</div>'


def _slide(
    content: StepContent,
    selection: data.Selection,
    ref: og.Reference,
    categories: Categories | None,
) -> None:
    """The map (filling the window's height), its key, the figures and the legend."""

    def build() -> mapview.MapParts:
        if categories is not None:
            area, legend = categories.layer(ref, lang=lang(), focus=selection.filters.area)
        else:
            area, legend = maps.choropleth_layer(
                ref, content.values, title=content.value_label, k=5, decimals=content.decimals,
                legend=False, lang=lang(), neutral=content.flows is not None,
                focus=selection.filters.area,
            )  # fmt: skip
        layers = [area]
        summary = None
        if content.flows is not None:
            flows, summary = maps.flow_layer(
                content.flows,
                ref,
                top_n=TOP_N[content.step],
                lang=lang(),
                legend=False,
                focus=selection.filters.area,
                label_px=LABEL_PX,
            )
            layers.append(flows)
        base = maps.base_map(ref, lang=lang(), label_px=LABEL_PX, projector=True)
        return mapview.MapParts(use_local_assets(base), layers, extra=(legend, summary))

    map_col, side = st.columns([2.4, 1.4], gap="medium")
    with map_col:
        shown = mapview.show_map(
            "presentatie",
            cache_key=repr(
                (mapview.selection_key(selection), content.step, gaps.current_rules(), lang())
            ),
            build=build,
            title=t("map_frame_title", what=f"{content.title}: {content.subtitle}"),
            height=540,
            fill_height=MAP_FILL,
        )
        legend, summary = shown.extra
    with side:
        st.html(_figures_html(content))
        if _long(content):  # a definition, not a subtitle: beside the map, not above it
            st.html(_subtitle(content, side=True))
        keys = [mapview.legend_strip(legend)]
        if summary is not None:
            keys.append(mapview.legend_strip(maps.flow_legend(summary, lang=lang())))
        st.html(f'<div class="og-pres-legend">{"".join(keys)}</div>')
    # Below the fold, for those who cannot see the map: what it draws, as tables.
    with st.expander(t("text_version"), icon=":material/table_rows:"):
        st.caption(t("text_version_caption"))
        if summary is not None:
            st.dataframe(maps.text_alternative(summary, ref, lang=lang()), hide_index=True)
        st.dataframe(
            mapview.values_table(
                content.values, ref, title=content.value_label, decimals=content.decimals
            ),
            hide_index=True,
        )


with guard("presentatie"):
    st.html(_CSS)
    st.html(f"<style>{mapview.STRIP_CSS}</style>")
    st.html(_KEYS_JS, unsafe_allow_javascript=True)
    selection = data.current()
    ref = data.reference()
    step = _navigation()
    rules = gaps.current_rules()
    content = step_content(step, selection, ref, rules)
    gap_categories = (
        None
        if content.categories is None
        else gaps.map_categories(
            content.categories, area=bool(selection.filters.area), title=t("st_gaps")
        )
    )

    badge = (
        f'<span class="og-pres-badge">{html_text(t("demo_badge"))}</span>'
        if selection.analysis.is_demo
        else ""
    )
    st.html(
        f'<div class="og-pres-head"><div class="og-pres-title">{html_text(content.title)}{badge}'
        f"</div>{'' if _long(content) else _subtitle(content)}</div>"
    )
    if not empty_selection(selection, ref):
        _slide(content, selection, ref, gap_categories)
    st.html(
        f'<div class="og-pres-foot">{html_text(describe_filters(selection.filters, reference=ref))}'
        f" · {html_text(t('keys_hint'))}</div>"
    )
    foot_left, foot_right = st.columns([1, 3])
    foot_left.page_link("views/overzicht.py", label=t("back_to_app"), icon=":material/close:")
    with foot_right:
        export_panel(
            selection,
            values=content.values,
            title=f"{content.title}: {content.subtitle}",
            value_label=content.value_label,
            decimals=content.decimals,
            flows=content.flows,
            highlight=[]
            if content.categories is None
            else [str(n) for n, c in content.categories.items() if c != gaps.SERVED],
            highlight_label=t("st_gaps"),
            categories=gap_categories,
            measures=gaps.scoped_measures(selection, rules) if step == 5 else None,
            key="pres_exp",
        )
