/* gapmap map code (part of gapmap, MIT licence): data layers, legend, search box,
 * full-screen button and a "ready" flag.
 * Every value from data is put into the page with textContent, never as HTML: a feature
 * has a title t, an optional sentence s and values v matching the layer's field labels.
 * Only the legend arrives as HTML, built and escaped in Python. */
(function (window, document) {
  "use strict";
  var L = window.L;
  var gapmap = (window.gapmap = { maps: [], problems: [] });
  var FULLSCREEN_ICON = '<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" style="margin-top:7px">' +
    '<path d="M1 5V1h4M11 1h4v4M15 11v4h-4M5 15H1v-4" fill="none" stroke="#222" stroke-width="2"/></svg>';

  function state(map) {
    if (!map._gapmap) {
      map._gapmap = { choropleths: [], front: [], search: [] };
      gapmap.maps.push(map);
    }
    return map._gapmap;
  }

  /* A popup or tooltip body: title, sentence, then a table of the non-empty fields. */
  function card(properties, fields) {
    var div = document.createElement("div");
    if (properties.t) { L.DomUtil.create("h4", "", div).textContent = properties.t; }
    if (properties.s) { L.DomUtil.create("p", "", div).textContent = properties.s; }
    var values = properties.v || [];
    if (values.length) {
      var table = L.DomUtil.create("table", "gapmap-popup", div);
      values.forEach(function (value, i) {
        if (value === "" || value === null || value === undefined) { return; }
        var row = L.DomUtil.create("tr", "", table);
        L.DomUtil.create("th", "", row).textContent = fields[i];
        L.DomUtil.create("td", "", row).textContent = value;
      });
    }
    return div;
  }
  gapmap.card = card;

  /* Give each feature of data the geometry of the same row in a shared geometry script (loaded by
     <script src> from the map's folder). A missing file, or one from another build (another key), leaves the
     layer empty and says so in the title box, rather than drawing values on the wrong areas. */
  gapmap.joinGeometry = function (name, key, file, data) {
    var shared = (window.gapmapGeometry || {})[name];
    if (!shared || shared.key !== key || shared.geometries.length !== data.features.length) {
      gapmap.problems.push("The neighbourhood (LSOA) areas cannot be drawn: " + file + ", which this map loads " +
        "from its own folder, is " + (shared ? "from another build" : "missing") +
        ". Keep the map with the other files of its folder.");
      data.features = [];
      return data;
    }
    data.features.forEach(function (feature, index) { feature.geometry = shared.geometries[index]; });
    return data;
  };

  /* A layer whose content is built the first time it is shown (or searched): hidden layers cost
     nothing when the map opens. */
  var Lazy = L.LayerGroup.extend({
    initialize: function (build) {
      L.LayerGroup.prototype.initialize.call(this);
      this._build = build;
    },
    content: function () {
      if (!this._content) {
        this._content = this._build();
        this.addLayer(this._content);
      }
      return this._content;
    },
    onAdd: function (map) {
      this.content();
      L.LayerGroup.prototype.onAdd.call(this, map);
    }
  });

  /* Areas (LSOAs; LAs on a national map) coloured by the class of one metric (properties.c[metric], -1 = no value). */
  gapmap.choropleth = function (map, data, options) {
    var popup = { maxWidth: options.popupWidth || 360, autoPanPadding: [40, 40],
      className: options.popupWidth ? "gapmap-wide" : "" };
    var layer = new Lazy(function () {
      var areas = L.geoJSON(data, {
        style: function (feature) {
          var c = feature.properties.c[options.metric];
          return {
            fillColor: c < 0 ? options.noData : options.colours[c],
            fillOpacity: 0.78,
            color: "#606060",
            weight: 0.35
          };
        },
        onEachFeature: function (feature, path) {
          path.bindTooltip(function () { return card(feature.properties, options.fields); },
            { sticky: true, className: "gapmap-tooltip" });
          /* A click or tap opens the same card as a popup: touch screens have no hover. */
          path.bindPopup(function () { return card(feature.properties, options.fields); }, popup);
          path.on("popupopen", function () { path.closeTooltip(); });
          path.on("mouseover", function () { path.setStyle({ color: "#000000", weight: 2 }); });
          path.on("mouseout", function () { areas.resetStyle(path); });
        }
      });
      return areas;
    });
    layer.gapmapLegend = options.legend;
    layer.gapmapPopup = popup;
    var s = state(map);
    if (s.choropleths.length === 0) {
      data.features.forEach(function (feature, index) {
        s.search.push({ label: feature.properties.t, lsoa: index, fields: options.fields });
      });
    }
    s.choropleths.push(layer);
    return layer;
  };

  function clusterIcon(colour) {
    return function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? 24 : count < 100 ? 30 : 36;
      return L.divIcon({
        html: '<div class="gapmap-cluster" style="border-color:' + colour + '">' + count + "</div>",
        className: "marker-cluster gapmap-cluster-icon",
        iconSize: [size, size]
      });
    };
  }

  /* Points drawn with one symbol, each with a popup; clustered when options.cluster. */
  gapmap.points = function (map, data, options) {
    var half = options.size / 2;
    var layer = new Lazy(function () {
      var icon = L.divIcon({
        html: options.symbol,
        className: "gapmap-icon",
        iconSize: [options.size, options.size],
        iconAnchor: [half, half],
        popupAnchor: [0, -half],
        tooltipAnchor: [0, -half]
      });
      var group = options.cluster
        ? L.markerClusterGroup({
          disableClusteringAtZoom: 13, maxClusterRadius: 45, showCoverageOnHover: false,
          iconCreateFunction: clusterIcon(options.colour)
        })
        : L.featureGroup();
      layer.markers = data.features.map(function (feature) {
        var xy = feature.geometry.coordinates;
        var marker = L.marker([xy[1], xy[0]], { icon: icon, riseOnHover: true, zIndexOffset: options.zIndex || 0 });
        marker.bindPopup(function () { return card(feature.properties, options.fields); },
          { minWidth: 280, maxWidth: 380, autoPanPadding: [60, 60] });
        marker.bindTooltip(function () { return card({ t: feature.properties.t }, []); },
          { direction: "top", className: "gapmap-tooltip" });
        group.addLayer(marker);
        return marker;
      });
      return group;
    });
    var s = state(map);
    data.features.forEach(function (feature, index) {
      if (feature.properties.label) {
        s.search.push({ label: feature.properties.label, points: layer, index: index });
      }
    });
    return layer;
  };

  /* Place names drawn as text (readable with no base map), non-interactive, above the areas and markers.
     A label that would overlap one listed before it (a larger place) moves to one of a few nearby positions,
     and hides only when none is free. */
  var LABEL_SHIFTS = [[0, 0], [0, -1], [0, 1], [-1, 0], [1, 0], [-1, -1], [1, -1], [-1, 1], [1, 1],
    [0, -2], [0, 2], [-2, 0], [2, 0], [-2, -1], [-2, 1], [2, -1], [2, 1], [-1, -2], [1, -2], [-1, 2], [1, 2]];

  gapmap.labels = function (map, data) {
    if (!map.getPane("gapmapLabels")) {
      map.createPane("gapmapLabels").style.zIndex = 640;
      map.getPane("gapmapLabels").style.pointerEvents = "none";
    }
    var markers = data.features.map(function (feature) {
      var xy = feature.geometry.coordinates;
      var div = document.createElement("div");
      div.className = "gapmap-label gapmap-label-" + (feature.properties.s || "place");
      div.textContent = feature.properties.t;
      return L.marker([xy[1], xy[0]], {
        icon: L.divIcon({ html: div.outerHTML, className: "gapmap-label-icon", iconSize: null }),
        interactive: false, keyboard: false, pane: "gapmapLabels"
      });
    });
    var layer = L.featureGroup(markers);
    function overlaps(box, others) {
      return others.some(function (o) {
        return box.left < o.right && o.left < box.right && box.top < o.bottom && o.top < box.bottom;
      });
    }
    function inside(box, frame) {
      return box.left >= frame.left && box.right <= frame.right && box.top >= frame.top && box.bottom <= frame.bottom;
    }
    function declutter() {
      if (!map.hasLayer(layer)) { return; }
      var frame = map.getContainer().getBoundingClientRect();
      /* The panels count as taken: a label moves out from under them. */
      var kept = [].map.call(map.getContainer().querySelectorAll(".leaflet-control"), function (control) {
        return control.getBoundingClientRect();
      });
      markers.forEach(function (marker) {
        var element = marker.getElement();
        if (!element) { return; }
        var label = element.firstChild;
        element.style.visibility = "";
        label.style.marginLeft = label.style.marginTop = "0px";
        var box = label.getBoundingClientRect();
        var x = (box.left + box.right) / 2, y = (box.top + box.bottom) / 2;
        var onMap = inside({ left: x, right: x, top: y, bottom: y }, frame);
        var free = null;
        LABEL_SHIFTS.some(function (shift) {
          var dx = shift[0] * (box.width / 2 + 4), dy = shift[1] * (box.height / 2 + 3);
          var moved = { left: box.left + dx, right: box.right + dx, top: box.top + dy, bottom: box.bottom + dy };
          if (!overlaps(moved, kept) && (inside(moved, frame) || !onMap)) { free = [dx, dy, moved]; }
          return free !== null;
        });
        if (free === null) {
          element.style.visibility = "hidden";
          return;
        }
        label.style.marginLeft = free[0] + "px";
        label.style.marginTop = free[1] + "px";
        kept.push(free[2]);
      });
    }
    map.on("zoomend moveend resize", declutter);
    layer.on("add", function () { window.requestAnimationFrame(declutter); });
    return layer;
  };

  /* An arrowhead at the end of a line, the same size on screen at every zoom. */
  function arrowhead(map, latlngs, colour) {
    var a = map.options.crs.latLngToPoint(latlngs[latlngs.length - 2], 0);
    var b = map.options.crs.latLngToPoint(latlngs[latlngs.length - 1], 0);
    var degrees = Math.atan2(b.y - a.y, b.x - a.x) * 180 / Math.PI;
    var svg = '<svg width="18" height="18" viewBox="0 0 18 18" style="transform:rotate(' + degrees.toFixed(1) +
      'deg)"><path d="M18 9L2 1.5V16.5Z" fill="' + colour + '" stroke="#ffffff" stroke-width="1"/></svg>';
    return L.marker(latlngs[latlngs.length - 1], {
      icon: L.divIcon({ html: svg, className: "gapmap-arrow", iconSize: [18, 18], iconAnchor: [9, 9] }),
      interactive: false, keyboard: false
    });
  }

  /* Lines and polygons drawn above the choropleth (boundaries, flows, clusters). */
  gapmap.vectors = function (map, data, options) {
    var arrows = [];
    var layer = L.geoJSON(data, {
      interactive: options.interactive !== false,
      style: function (feature) {
        var style = L.extend({}, options.style);
        if (feature.properties.weight) { style.weight = feature.properties.weight; }
        return style;
      },
      onEachFeature: function (feature, path) {
        if (options.arrows && feature.geometry.type === "LineString") {
          arrows.push(arrowhead(map, path.getLatLngs(), options.style.color));
        }
        if (!feature.properties.t) { return; }
        path.bindTooltip(function () { return card({ t: feature.properties.t }, []); },
          { sticky: true, className: "gapmap-tooltip" });
        if (feature.properties.v) {
          path.bindPopup(function () { return card(feature.properties, options.fields); }, { maxWidth: 360 });
        }
      }
    });
    state(map).front.push(layer);
    return arrows.length ? L.featureGroup([layer].concat(arrows)) : layer;
  };

  function activeChoropleth(map) {
    var s = state(map);
    return s.choropleths.filter(function (layer) { return map.hasLayer(layer); })[0] || s.choropleths[0];
  }

  function show(map, entry) {
    if (entry.points) {
      if (!map.hasLayer(entry.points)) { map.addLayer(entry.points); }
      var group = entry.points.content();
      var marker = entry.points.markers[entry.index];
      if (group.zoomToShowLayer) {
        group.zoomToShowLayer(marker, function () { marker.openPopup(); });
      } else {
        map.setView(marker.getLatLng(), Math.max(map.getZoom(), 13), { animate: false });
        marker.openPopup();
      }
      return;
    }
    var layer = activeChoropleth(map);
    if (!map.hasLayer(layer)) { map.addLayer(layer); }
    var path = layer.content().getLayers()[entry.lsoa];
    map.fitBounds(path.getBounds(), { maxZoom: 14, animate: false });
    L.popup(layer.gapmapPopup).setLatLng(path.getBounds().getCenter()).setContent(card(path.feature.properties, entry.fields)).openOn(map);
  }

  function find(entries, typed) {
    var wanted = typed.trim().toLowerCase();
    if (!wanted) { return null; }
    var exact = entries.filter(function (e) { return e.label.toLowerCase() === wanted; })[0];
    return exact || entries.filter(function (e) { return e.label.toLowerCase().indexOf(wanted) >= 0; })[0] || null;
  }

  function control(map, position, build) {
    var c = L.control({ position: position });
    c.onAdd = function () {
      var div = build();
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    c.addTo(map);
    return c;
  }

  function searchBox(map, options) {
    var s = state(map);
    var areas = options.areas || "LSOA";
    return control(map, "topleft", function () {
      var div = L.DomUtil.create("div", "gapmap-search leaflet-bar leaflet-control");
      var listId = "gapmap-search-" + L.Util.stamp(map);
      var input = L.DomUtil.create("input", "", div);
      input.type = "search";
      input.placeholder = "Find a school or " + areas;
      input.setAttribute("aria-label", "Find a school or " + areas + " by name");
      input.setAttribute("list", listId);
      var list = L.DomUtil.create("datalist", "", div);
      list.id = listId;
      s.search.forEach(function (entry) {
        var option = document.createElement("option");
        option.value = entry.label;
        list.appendChild(option);
      });
      var message = L.DomUtil.create("div", "gapmap-search-message", div);
      message.setAttribute("role", "status");
      function go() {
        var entry = find(s.search, input.value);
        message.textContent = entry || !input.value ? "" : "No school or " + areas + " matches.";
        if (entry) { show(map, entry); }
      }
      L.DomEvent.on(input, "change", go);
      L.DomEvent.on(input, "keydown", function (event) { if (event.key === "Enter") { go(); } });
      return div;
    });
  }

  function fullScreenButton(map) {
    return control(map, "topleft", function () {
      var div = L.DomUtil.create("div", "leaflet-bar leaflet-control");
      var button = L.DomUtil.create("a", "gapmap-fullscreen", div);
      button.href = "#";
      button.title = "Full screen";
      button.setAttribute("role", "button");
      button.setAttribute("aria-label", "Full screen");
      button.innerHTML = FULLSCREEN_ICON;
      L.DomEvent.on(button, "click", function (event) {
        L.DomEvent.preventDefault(event);
        if (document.fullscreenElement) {
          document.exitFullscreen();
        } else if (map.getContainer().requestFullscreen) {
          map.getContainer().requestFullscreen();
        }
      });
      document.addEventListener("fullscreenchange", function () { map.invalidateSize(); });
      return div;
    });
  }

  function titleBox(map, options) {
    return control(map, "bottomleft", function () {
      var div = L.DomUtil.create("div", "gapmap-title leaflet-control");
      var title = L.DomUtil.create("h1", "", div);
      title.textContent = options.title;
      if (options.note) { L.DomUtil.create("p", "", div).textContent = options.note; }
      gapmap.problems.forEach(function (problem) {
        L.DomUtil.create("p", "gapmap-problem", div).textContent = problem;
      });
      if (options.summary) {
        var link = L.DomUtil.create("a", "", div);
        link.href = options.summary;
        link.textContent = "Summary, tables and other maps";
      }
      return div;
    });
  }

  /* The legend folds to its title (a details element) so that it can give way to the map. */
  function legendBox(map, options) {
    var s = state(map);
    var details, summary, body;
    var legend = control(map, "bottomright", function () {
      var div = L.DomUtil.create("div", "gapmap-legend leaflet-control");
      details = L.DomUtil.create("details", "", div);
      details.open = true;
      summary = L.DomUtil.create("summary", "", details);
      body = L.DomUtil.create("div", "gapmap-legend-body", details);
      return div;
    });
    function update(layer) {
      var content = (layer && layer.gapmapLegend) || options.legend || "";
      body.innerHTML = content;
      summary.innerHTML = "";
      var heading = body.querySelector("h2");
      if (heading) { summary.appendChild(heading); }
      legend.getContainer().style.display = content ? "" : "none";
      fit(map);
    }
    s.legend = details;
    L.DomEvent.on(details, "toggle", function () { fit(map); });
    map.on("baselayerchange", function (event) { update(event.layer); });
    /* Keep the drawing order whatever the user toggles: areas, then boundaries, clusters and flows. */
    map.on("baselayerchange overlayadd", function () {
      s.front.forEach(function (layer) { if (map.hasLayer(layer)) { layer.bringToFront(); } });
    });
    update(s.choropleths.filter(function (layer) { return map.hasLayer(layer); })[0]);
  }

  /* Maps narrower than this open with the layer list and the legend folded. */
  var NARROW = 640;

  /* The layer list folds to its button; a close button in the list folds it again. */
  function foldableLayers(map) {
    var container = map.getContainer().querySelector(".leaflet-control-layers");
    if (!container) { return; }
    var list = container.querySelector(".leaflet-control-layers-list");
    var close = L.DomUtil.create("button", "gapmap-fold", null);
    close.type = "button";
    close.textContent = "Hide layers";
    close.setAttribute("aria-label", "Hide the list of layers");
    list.insertBefore(close, list.firstChild);
    var toggle = container.querySelector(".leaflet-control-layers-toggle");
    toggle.setAttribute("aria-label", "Show the list of layers");
    toggle.title = "Layers";
    function setOpen(open) {
      (open ? L.DomUtil.addClass : L.DomUtil.removeClass)(container, "leaflet-control-layers-expanded");
      fit(map);
    }
    L.DomEvent.on(close, "click", function (event) { L.DomEvent.stop(event); setOpen(false); });
    L.DomEvent.on(toggle, "click", function (event) { L.DomEvent.stop(event); setOpen(true); });
    state(map).layers = container;
  }

  /* Keep the layer list clear of the legend below it: the list scrolls in the height left over, and the legend
     folds when there is too little. */
  function fit(map) {
    var s = state(map);
    var layers = s.layers;
    var legend = s.legend && s.legend.parentNode;
    if (!layers || !legend) { return; }
    var height = map.getSize().y;
    var legendHeight = legend.offsetParent ? legend.getBoundingClientRect().height : 0;
    var room = height - legendHeight - 48;
    if (room < 140 && s.legend.open && L.DomUtil.hasClass(layers, "leaflet-control-layers-expanded")) {
      s.legend.open = false;
      return;  /* the toggle event fits again */
    }
    layers.style.maxHeight = Math.max(room, 44) + "px";
  }

  /* Add the controls, then mark the map ready once it has been drawn. */
  gapmap.controls = function (map, options) {
    searchBox(map, options);
    fullScreenButton(map);
    titleBox(map, options);
    foldableLayers(map);
    legendBox(map, options);
    if (map.getSize().x < NARROW) {
      L.DomUtil.removeClass(state(map).layers, "leaflet-control-layers-expanded");
      state(map).legend.open = false;
    }
    fit(map);
    map.on("resize", function () { fit(map); });
    window.requestAnimationFrame(function () {
      window.requestAnimationFrame(function () {
        window.gapmapReadyMs = window.performance.now();
        document.documentElement.setAttribute("data-gapmap-ready", "true");
      });
    });
  };
})(window, document);
