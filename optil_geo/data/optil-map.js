/* optil-geo: the browser side of the maps (see optil_geo/_mapjs.py). */
(function () {
  if (window.OptilMap) { return; }
  var NS = "http://www.w3.org/2000/svg";
  var PANES = {ogFlows: 440, ogRings: 445, ogLabels: 660};

  function pane(map, name) {
    if (!map.getPane(name)) {
      var p = map.createPane(name);
      p.style.zIndex = PANES[name];
      p.style.pointerEvents = "none";
    }
    return name;
  }

  function arc(a, b, bend, n) {
    // The same arc as optil_geo.maps._arcs: a quadratic Bezier in a local
    // equirectangular frame, bending to the right of the direction.
    var s = Math.cos(51 * Math.PI / 180);
    var ax = a[1] * s, ay = a[0], bx = b[1] * s, by = b[0];
    var dx = bx - ax, dy = by - ay;
    var cx = (ax + bx) / 2 + bend * dy, cy = (ay + by) / 2 - bend * dx;
    var out = [];
    for (var i = 0; i < n; i++) {
      var t = i / (n - 1), u = 1 - t;
      out.push([u * u * ay + 2 * u * t * cy + t * t * by,
                (u * u * ax + 2 * u * t * cx + t * t * bx) / s]);
    }
    return out;
  }

  function arrowMarker(svg, colour) {
    var id = "og-arrow-" + colour.replace(/[^0-9a-z]/gi, "");
    if (svg.querySelector("#" + id)) { return id; }
    var defs = svg.querySelector("defs");
    if (!defs) { defs = document.createElementNS(NS, "defs"); svg.insertBefore(defs, svg.firstChild); }
    var m = document.createElementNS(NS, "marker");
    m.setAttribute("id", id);
    m.setAttribute("viewBox", "0 0 10 10");
    m.setAttribute("refX", "9");
    m.setAttribute("refY", "5");
    m.setAttribute("markerUnits", "userSpaceOnUse");
    m.setAttribute("markerWidth", "11");
    m.setAttribute("markerHeight", "11");
    m.setAttribute("orient", "auto");
    var p = document.createElementNS(NS, "path");
    p.setAttribute("d", "M0,1 L10,5 L0,9 z");
    p.setAttribute("fill", colour);
    p.setAttribute("stroke", "#fff");
    p.setAttribute("stroke-width", "0.8");
    m.appendChild(p);
    defs.appendChild(m);
    return id;
  }

  function untab(map) {
    // Shapes and markers are never tab stops: the map container is the one stop.
    var nodes = map.getContainer().querySelectorAll(
      ".leaflet-pane [tabindex], .leaflet-pane path, .leaflet-marker-icon");
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].getAttribute("tabindex") !== "-1") { nodes[i].setAttribute("tabindex", "-1"); }
    }
  }
  function untabSoon(map) {
    // Once after a burst of added layers (304 shapes, the labels, the flows arrive
    // one layer at a time), not once per layer: that walk grew with the square of
    // the layers and cost about half a second on every first map.
    if (map._ogUntab) { return; }
    map._ogUntab = setTimeout(function () { map._ogUntab = null; untab(map); }, 0);
  }

  // ------------------------------------------------------------------ labels
  function labelState(map) {
    if (!map._ogLabels) {
      map._ogLabels = {owners: {}, timer: null};
      map.on("zoomend resize viewreset", function () { schedule(map); });
    }
    return map._ogLabels;
  }
  function schedule(map) {
    var st = labelState(map);
    if (st.timer) { return; }
    st.timer = setTimeout(function () { st.timer = null; place(map); }, 30);
  }
  function addLabels(map, owner, items, px) {
    removeLabels(map, owner);
    pane(map, "ogLabels");
    var made = [];
    items.forEach(function (it) {
      var icon = L.divIcon({className: "og-label-anchor", iconSize: [0, 0],
        html: '<span class="og-label ' + (it.cls || "") + '" style="font-size:' + px + 'px"></span>'});
      var mk = L.marker([it.lat, it.lon], {icon: icon, interactive: false, keyboard: false,
                                            pane: "ogLabels"}).addTo(map);
      var span = mk.getElement().firstChild;
      span.textContent = it.text;
      made.push({marker: mk, span: span, priority: it.priority || 0, lat: it.lat, lon: it.lon,
                 zoomIn: it.zoomIn || 0});
    });
    labelState(map).owners[owner] = made;
    schedule(map);
  }
  function removeLabels(map, owner) {
    var st = labelState(map);
    (st.owners[owner] || []).forEach(function (l) { map.removeLayer(l.marker); });
    delete st.owners[owner];
  }
  var OFFSETS = [[1, 0], [-1, 0], [0, -1], [0, 1]];
  function place(map) {
    var st = labelState(map), all = [];
    Object.keys(st.owners).forEach(function (k) { all = all.concat(st.owners[k]); });
    all.sort(function (a, b) { return b.priority - a.priority; });
    var size = map.getSize(), placed = [], zoom = map.getZoom();
    // The legend, zoom buttons and layer switch cover the map: no label goes under them.
    var frame = map.getContainer().getBoundingClientRect();
    var controls = map.getContainer().querySelectorAll(".leaflet-control");
    for (var c = 0; c < controls.length; c++) {
      var b = controls[c].getBoundingClientRect();
      if (b.width && b.height) {
        placed.push({x: b.left - frame.left, y: b.top - frame.top, w: b.width, h: b.height, control: true});
      }
    }
    var base = map.getBoundsZoom(map._ogFit || map._ogBase || map.getBounds());
    // A label's size never changes: read them all once, before any style is written
    // (reading one after writing another forced a layout per label).
    all.forEach(function (l) {
      if (!l.w) { l.w = l.span.offsetWidth; l.h = l.span.offsetHeight; }  // 0: a hidden frame
    });
    all.forEach(function (l) {
      var pt = map.latLngToContainerPoint([l.lat, l.lon]);
      l.span.style.visibility = "hidden";
      l.span.style.transform = "";
      // Smaller places are named only once zoomed in (``zoomIn`` steps past the first view).
      if (l.zoomIn && zoom < base + l.zoomIn - 0.01) { return; }
      if (pt.x < -50 || pt.y < -50 || pt.x > size.x + 50 || pt.y > size.y + 50) { return; }
      var w = l.w, h = l.h, gap = 5;
      for (var i = 0; i < OFFSETS.length; i++) {
        var o = OFFSETS[i];
        var x = o[0] > 0 ? pt.x + gap : o[0] < 0 ? pt.x - gap - w : pt.x - w / 2;
        var y = o[1] > 0 ? pt.y + gap : o[1] < 0 ? pt.y - gap - h : pt.y - h / 2;
        var r = {x: x, y: y, w: w, h: h};
        if (x < 2 || y < 2 || x + w > size.x - 2 || y + h > size.y - 2) { continue; }
        var clash = placed.some(function (q) {
          return r.x < q.x + q.w + 2 && q.x < r.x + r.w + 2 && r.y < q.y + q.h + 1 && q.y < r.y + r.h + 1;
        });
        if (clash) { continue; }
        placed.push(r);
        l.span.style.transform = "translate(" + (x - pt.x) + "px," + (y - pt.y) + "px)";
        l.span.style.visibility = "visible";
        break;
      }
    });
    map._ogPlaced = placed.filter(function (r) { return !r.control; }).length;
  }

  // ------------------------------------------------------------------ extent
  // How to fit an extent so that the controls in the top-right corner (the legend,
  // the layer switch) do not cover it: beside them or below them, whichever shows
  // the extent larger; as before when that would cost more than one zoom level.
  function fitOptions(map, view, margin) {
    var plain = {padding: [margin, margin], animate: false};
    var corner = map.getContainer().querySelector(".leaflet-top.leaflet-right");
    if (!corner) { return plain; }
    var box = corner.getBoundingClientRect();
    if (!box.width || !box.height) { return plain; }
    var frame = map.getContainer().getBoundingClientRect();
    var w = Math.ceil(frame.right - box.left) + margin;
    var h = Math.ceil(box.bottom - frame.top) + margin;
    var bounds = L.latLngBounds(view), size = map.getSize();
    function zoom(x, y) {  // -Infinity where the room left is too small to fit into
      if (x > size.x / 2 + margin || y > size.y / 2 + margin) { return -Infinity; }
      var z = map.getBoundsZoom(bounds, false, L.point(x, y));
      return isFinite(z) ? z : -Infinity;
    }
    var zPlain = zoom(2 * margin, 2 * margin);
    var zBeside = zoom(margin + w, 2 * margin), zBelow = zoom(2 * margin, margin + h);
    if (!(Math.max(zBeside, zBelow) >= zPlain - 1)) { return plain; }
    if (zBelow >= zBeside) {
      return {paddingTopLeft: [margin, h], paddingBottomRight: [margin, margin], animate: false};
    }
    return {paddingTopLeft: [margin, margin], paddingBottomRight: [w, margin], animate: false};
  }

  // ``area``: the extent is a focus area, fitted clear of the legend (not Flanders).
  function fitView(map, view, area) {
    // Fit once per extent: a new filter with the same focus keeps the user's view.
    var key = JSON.stringify(view);
    if (map._ogView === key) { return; }
    map._ogView = key;
    map._ogFit = view;
    // The base map's refit on resize keeps this extent, fitted the same way.
    map._ogRefit = area ? function () { map.fitBounds(view, fitOptions(map, view, 12)); } : null;
    // A hidden frame has no size yet: fitting then gives NaN; the resize refit does it.
    var size = map.getSize();
    if (!size.x || !size.y) { return; }
    if (!map._ogRefit) {
      map.fitBounds(view, {padding: [12, 12], animate: false});
      return;
    }
    map._ogRefit();
    // A legend added later in the same script (after this layer) is not in the corner
    // yet: fit again once the script has run, clear of it.
    setTimeout(function () { if (map._ogFit === view) { map._ogRefit(); } }, 0);
  }
  function fit(layer, view) {
    function onAdd() { if (layer._map) { fitView(layer._map, view, true); } }
    layer.on("add", onAdd);
    onAdd();
  }

  // ------------------------------------------------------------------ flows
  function flows(group, cfg) {
    var state = {levels: {}, rings: {}, current: null, hover: null, selected: cfg.selected};
    var colours = cfg.colours;

    function build(map, level) {
      var lines = [], g = L.layerGroup();
      var nodes = cfg.nodes;
      (cfg.flows[level] || []).forEach(function (f) {
        // f: [lead, partner, class index, weight, opacity, role]
        var a = nodes[f[0]], b = nodes[f[1]];
        if (!a || !b) { return; }
        var dash = cfg.dashes[f[5]] || null;
        var line = L.polyline(arc(a, b, 0.18, 17), {
          pane: pane(map, "ogFlows"), interactive: false, color: colours[f[2]], weight: f[3],
          opacity: f[4], lineCap: dash ? "butt" : "round", dashArray: dash,
          className: "og-flow"});
        line._og = {a: f[0], b: f[1], weight: f[3], opacity: f[4]};
        lines.push(line);
        g.addLayer(line);
      });
      var rings = [];
      (cfg.rings[level] || []).forEach(function (r) {
        var p = nodes[r[0]];
        if (!p) { return; }
        var c = L.circleMarker(p, {pane: pane(map, "ogRings"), interactive: false, radius: r[1],
          color: cfg.ring, weight: 2, fill: true, fillOpacity: 0.12, opacity: 0.9});
        c._og = {a: r[0], b: r[0], weight: 2, opacity: 0.9};
        rings.push(c);
        g.addLayer(c);
      });
      state.levels[level] = {group: g, lines: lines, rings: rings};
      return state.levels[level];
    }

    function arrows(level) {
      var lv = state.levels[level];
      lv.lines.forEach(function (line) {
        var path = line._path;
        if (!path) { return; }
        var svg = path.ownerSVGElement;
        line._ogMarker = "url(#" + arrowMarker(svg, line.options.color) + ")";
        path.setAttribute("marker-end", line._ogMarker);
      });
    }

    function keyOf(nis) {
      if (!nis) { return null; }
      if (state.current === "regions") { return cfg.nisNode[nis] || nis; }
      return nis;
    }

    function restyle() {
      var lv = state.levels[state.current];
      if (!lv) { return; }
      var key = keyOf(state.hover || state.selected);
      var any = false;
      if (key) {
        any = lv.lines.concat(lv.rings).some(function (l) { return l._og.a === key || l._og.b === key; });
      }
      lv.lines.concat(lv.rings).forEach(function (l) {
        var o = l._og, on = !any || o.a === key || o.b === key;
        l.setStyle({opacity: any ? (on ? 0.95 : 0.06) : o.opacity,
                    fillOpacity: any && !on ? 0.02 : 0.12,
                    weight: any && on ? o.weight + 1 : o.weight});
        // An SVG marker ignores the line's opacity: a dimmed line loses its arrowhead.
        if (l._path && l._ogMarker) {
          if (any && !on) { l._path.removeAttribute("marker-end"); }
          else { l._path.setAttribute("marker-end", l._ogMarker); }
          l._path.setAttribute("data-og-dim", any && !on ? "1" : "0");
        }
        if (any && on && l.bringToFront) { l.bringToFront(); }
      });
    }

    function show(map, level) {
      if (state.current === level) { return; }
      if (state.current && state.levels[state.current]) {
        group.removeLayer(state.levels[state.current].group);
      }
      var lv = state.levels[level] || build(map, level);
      group.addLayer(lv.group);
      state.current = level;
      arrows(level);
      restyle();
      untab(map);
      var labels = (cfg.labels || []).concat(level === "regions" ? (cfg.nodeLabels || []) : []);
      addLabels(map, cfg.id, labels, cfg.labelPx);
      var c = map.getContainer();
      c.setAttribute("data-og-level", level);
    }

    function chosen(map) {
      if (cfg.level !== "auto") { return cfg.level; }
      var z = map.getZoom(), threshold = map.getBoundsZoom(cfg.levelBounds) + 1;
      return z >= threshold - 0.01 ? "municipalities" : "regions";
    }

    var handlers = null, mapRef = null;
    function onAdd() {
      var map = group._map;
      if (!map || mapRef === map) { return; }
      mapRef = map;
      if (cfg.view) { fitView(map, cfg.view, cfg.focus); }
      handlers = {
        zoomend: function () { show(map, chosen(map)); },
        "og:hover": function (e) { state.hover = e.nis || null; restyle(); },
        "og:select": function (e) { state.selected = e.nis || null; restyle(); }
      };
      map.on(handlers);
      state.current = null;
      show(map, chosen(map));
    }
    group.on("add", onAdd);
    group.on("remove", function () {
      if (state.current && state.levels[state.current]) {
        group.removeLayer(state.levels[state.current].group);
      }
      state.current = null;
      if (mapRef && handlers) { mapRef.off(handlers); removeLabels(mapRef, cfg.id); }
      mapRef = null;
    });
    if (group._map) { onAdd(); }
    group._ogFlows = state;
  }

  // ------------------------------------------------------------------ municipalities
  function areas(layer, map) {
    layer.on("mouseover", function (e) {
      var p = e.layer && e.layer.feature && e.layer.feature.properties;
      if (p && p.nis) { (layer._map || map).fire("og:hover", {nis: p.nis}); }
    });
    layer.on("mouseout", function () { (layer._map || map).fire("og:hover", {nis: null}); });
    layer.on("click", function (e) {
      var p = e.layer && e.layer.feature && e.layer.feature.properties;
      if (p && p.nis) {
        // The map's own click follows (the event bubbles up): it must not clear this.
        if (e.originalEvent) { e.originalEvent._ogArea = true; }
        (layer._map || map).fire("og:select", {nis: p.nis});
      }
    });
    layer.on("add", function () { if (layer._map) { untabSoon(layer._map); } });
  }

  function setup(map, cfg) {
    var c = map.getContainer();
    c.setAttribute("role", "region");
    c.setAttribute("aria-label", cfg.label);
    c.setAttribute("aria-roledescription", cfg.roledescription);
    map._ogBase = cfg.bounds;
    // A click on empty map space (the sea, Wallonia) clears the selection.
    map.on("click", function (e) {
      if (!(e.originalEvent && e.originalEvent._ogArea)) { map.fire("og:select", {nis: null}); }
    });
    map.on("layeradd", function () { untabSoon(map); });
    if (cfg.labels) { addLabels(map, "base", cfg.labels, cfg.labelPx); }
  }

  function message(map, owner, text) {
    var box = L.control({position: "topleft"});
    box.onAdd = function () {
      var div = L.DomUtil.create("div", "og-message");
      div.setAttribute("role", "status");
      div.textContent = text;
      return div;
    };
    return box;
  }

  window.OptilMap = {flows: flows, areas: areas, fit: fit, setup: setup, addLabels: addLabels,
                     removeLabels: removeLabels, place: place, untab: untab, message: message,
                     arc: arc};
})();
