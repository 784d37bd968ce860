/* Open Data Rathaus map page: choropleth per indicator and window, legend, figures on hover
   and click, and a table view. Reads the latest export from /api/v1/open-data/; no tiles,
   no CDN: the district polygons are the only layer. */
(function () {
  "use strict";

  var API = "/api/v1/open-data/";
  var COLORS = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
  var NO_VALUE = "#d9d9d9";
  var params = new URLSearchParams(window.location.search);
  var lang = params.get("lang") || ((navigator.language || "de").slice(0, 2) === "en" ? "en" : "de");
  if (lang !== "en") { lang = "de"; }
  var TEXT = {
    de: {
      title: "Open Data Rathaus: Mobilität", indicator: "Kennzahl", window: "Zeitraum", table: "Tabelle",
      map: "Karte", district: "Stadtteil", value: "Wert", suppressed: "unterdrückt (weniger als k Personen)",
      noValue: "kein Wert (nicht erreichbar)", loading: "Lade Daten …", none: "Noch keine Veröffentlichung.",
      rides_from: "Gebuchte Fahrten ab dem Stadtteil", rides_to: "Gebuchte Fahrten in den Stadtteil",
      mittendrin_purchases: "Gekaufte MittendrinTickets (Wohn-Stadtteil)", median_min: "Median Reisezeit (min)",
      share_over_threshold: "Anteil über Schwelle", synthetic: "Erfundene Demo-Stadtteile.",
      licence: "Datenlizenz Deutschland – Namensnennung 2.0", method: "Methode: k-Anonymität, k ="
    },
    en: {
      title: "Open Data Rathaus: mobility", indicator: "Indicator", window: "Period", table: "Table",
      map: "Map", district: "District", value: "Value", suppressed: "suppressed (fewer than k people)",
      noValue: "no value (not reachable)", loading: "Loading data …", none: "Nothing published yet.",
      rides_from: "Booked rides from the district", rides_to: "Booked rides into the district",
      mittendrin_purchases: "MittendrinTickets bought (district of residence)", median_min: "Median travel time (min)",
      share_over_threshold: "Share over threshold", synthetic: "Invented demo districts.",
      licence: "Data licence Germany – attribution 2.0", method: "Method: k-anonymity, k ="
    }
  }[lang];
  document.documentElement.lang = lang;

  function getJson(path) {
    return fetch(API + path).then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; });
  }
  function getText(path) {
    return fetch(API + path).then(function (r) { return r.ok ? r.text() : null; }).catch(function () { return null; });
  }
  function parseCsv(text) {
    var lines = text.replace(/\r/g, "").split("\n").filter(function (l) { return l.length > 0; });
    var head = lines.shift().split(",");
    return lines.map(function (line) {
      var cells = line.split(","), row = {};
      head.forEach(function (name, i) { row[name] = cells[i] === undefined ? "" : cells[i]; });
      return row;
    });
  }
  function format(value) {
    if (value === null || value === undefined) { return null; }
    return Number(value).toLocaleString(lang === "de" ? "de-DE" : "en-GB", { maximumFractionDigits: 2 });
  }

  /* indicators: key -> {label, windows: {window: {districtId: value|null}}} */
  var indicators = {};
  var districtsGeo = null;
  var names = {};
  var method = null;

  function addUsage(usageGeo) {
    ["rides_from", "rides_to", "mittendrin_purchases"].forEach(function (prop) {
      var entry = { label: TEXT[prop], windows: {} };
      usageGeo.features.forEach(function (f) {
        var perMonth = f.properties[prop] || {};
        Object.keys(perMonth).forEach(function (month) {
          entry.windows[month] = entry.windows[month] || {};
          entry.windows[month][f.properties.district_id] = perMonth[month];
        });
      });
      if (Object.keys(entry.windows).length > 0) { indicators["usage:" + prop] = entry; }
    });
  }
  function addAccessibility(rows) {
    rows.forEach(function (row) {
      ["median_min", "share_over_threshold"].forEach(function (measure) {
        var key = "access:" + row.category + "|" + row.mode + "|" + measure;
        var entry = indicators[key] || (indicators[key] = {
          label: row.category + " · " + row.mode + " · " + TEXT[measure], windows: {}
        });
        entry.windows[row.window] = entry.windows[row.window] || {};
        entry.windows[row.window][row.district_id] = row[measure] === "" ? null : Number(row[measure]);
      });
    });
  }

  var map = L.map("od-map", { zoomSnap: 0.25, attributionControl: true });
  map.attributionControl.setPrefix(false);
  var layer = null;
  var legend = L.control({ position: "bottomright" });
  var legendDiv = L.DomUtil.create("div", "od-legend");
  legend.onAdd = function () { return legendDiv; };
  legend.addTo(map);

  var indicatorSelect = document.getElementById("od-indicator");
  var windowSelect = document.getElementById("od-window");

  function breaks(values) {
    var nums = values.filter(function (v) { return v !== null && v !== undefined; });
    if (nums.length === 0) { return null; }
    var lo = Math.min.apply(null, nums), hi = Math.max.apply(null, nums);
    var step = (hi - lo) / COLORS.length;
    return COLORS.map(function (color, i) {
      return { color: color, from: lo + step * i, to: i === COLORS.length - 1 ? hi : lo + step * (i + 1) };
    });
  }
  function colorOf(value, classes) {
    if (value === null || value === undefined || classes === null) { return NO_VALUE; }
    for (var i = 0; i < classes.length; i++) {
      if (value <= classes[i].to) { return classes[i].color; }
    }
    return classes[classes.length - 1].color;
  }
  function current() {
    var entry = indicators[indicatorSelect.value];
    return entry ? (entry.windows[windowSelect.value] || {}) : {};
  }
  function missingText() {
    return indicatorSelect.value.indexOf("usage:") === 0 ? TEXT.suppressed : TEXT.noValue;
  }
  function describe(value) {
    return value === null || value === undefined ? missingText() : format(value);
  }

  function fillWindows() {
    var entry = indicators[indicatorSelect.value];
    var wanted = params.get("window");
    var previous = windowSelect.value;
    windowSelect.innerHTML = "";
    Object.keys(entry.windows).sort().forEach(function (w) {
      var option = document.createElement("option");
      option.value = w; option.textContent = w;
      windowSelect.appendChild(option);
    });
    var keys = Object.keys(entry.windows).sort();
    windowSelect.value = keys.indexOf(wanted) >= 0 ? wanted : (keys.indexOf(previous) >= 0 ? previous : keys[keys.length - 1]);
  }

  var shapes = {};
  function render() {
    var values = current();
    shapes = {};
    var classes = breaks(Object.keys(names).map(function (id) { return values[id]; }));
    if (layer) { map.removeLayer(layer); }
    layer = L.geoJSON(districtsGeo, {
      style: function (f) {
        var id = f.properties.district_id;
        return { color: "#444", weight: 1, fillOpacity: 0.8, fillColor: colorOf(values[id], classes),
                 className: "od-district od-district-" + id };
      },
      onEachFeature: function (f, shape) {
        var id = f.properties.district_id;
        shapes[id] = shape;
        shape.bindTooltip(names[id] + ": " + describe(values[id]), { sticky: true });
        shape.on("click", function () {
          var dl = document.createElement("dl");
          dl.className = "od-popup";
          Object.keys(indicators).forEach(function (key) {
            var w = indicators[key].windows[windowSelect.value];
            if (!w || !(id in w)) { return; }
            var dt = document.createElement("dt"); dt.textContent = indicators[key].label;
            var dd = document.createElement("dd");
            dd.textContent = w[id] === null || w[id] === undefined
              ? (key.indexOf("usage:") === 0 ? TEXT.suppressed : TEXT.noValue) : format(w[id]);
            dd.setAttribute("data-indicator", key);
            dd.setAttribute("data-value", w[id] === null || w[id] === undefined ? "" : String(w[id]));
            dl.appendChild(dt); dl.appendChild(dd);
          });
          var box = document.createElement("div");
          var h = document.createElement("strong"); h.textContent = names[id] + " (" + windowSelect.value + ")";
          box.appendChild(h); box.appendChild(dl);
          shape.bindPopup(box).openPopup();
        });
      }
    }).addTo(map);
    if (streetsLayer) { streetsLayer.addTo(map); streetsLayer.bringToFront(); }

    legendDiv.innerHTML = "";
    var title = document.createElement("div");
    title.textContent = indicators[indicatorSelect.value].label + " · " + windowSelect.value;
    legendDiv.appendChild(title);
    (classes || []).concat([{ color: NO_VALUE, label: missingText() }]).forEach(function (c) {
      var row = document.createElement("div");
      row.className = "od-legend-row";
      var swatch = document.createElement("span");
      swatch.className = "swatch"; swatch.style.background = c.color;
      row.setAttribute("data-color", c.color);
      row.appendChild(swatch);
      row.appendChild(document.createTextNode(c.label || (format(c.from) + " – " + format(c.to))));
      legendDiv.appendChild(row);
    });

    var tbody = document.querySelector("#od-table tbody");
    tbody.innerHTML = "";
    document.getElementById("od-caption").textContent = indicators[indicatorSelect.value].label + " · " + windowSelect.value;
    Object.keys(names).sort(function (a, b) { return names[a].localeCompare(names[b]); }).forEach(function (id) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-district", id);
      var name = document.createElement("td"); name.textContent = names[id];
      var cell = document.createElement("td"); cell.className = "num";
      var v = values[id];
      cell.setAttribute("data-value", v === null || v === undefined ? "" : String(v));
      cell.setAttribute("data-color", colorOf(v, classes));
      cell.textContent = describe(v);
      tr.appendChild(name); tr.appendChild(cell);
      tbody.appendChild(tr);
    });
    document.body.setAttribute("data-rendered", indicatorSelect.value + "@" + windowSelect.value);
  }

  var streetsLayer = null;
  function drawStreets(streets) {
    if (!streets) { return; }
    streetsLayer = L.geoJSON(streets, {
      interactive: false,
      style: function () { return { color: "#5f5f5f", weight: 1, opacity: 0.7, className: "od-streets" }; }
    });
    map.attributionControl.addAttribution("© OpenStreetMap (ODbL)");
  }

  function start(usageDoc, usageGeo, accessGeo, accessCsv, streets) {
    document.getElementById("od-status").textContent = "";
    districtsGeo = usageGeo || accessGeo;
    if (!districtsGeo) {
      document.getElementById("od-status").textContent = TEXT.none;
      document.body.setAttribute("data-rendered", "none");
      return;
    }
    districtsGeo.features.forEach(function (f) { names[f.properties.district_id] = f.properties.name; });
    if (usageGeo) { addUsage(usageGeo); }
    if (accessCsv) { addAccessibility(parseCsv(accessCsv)); }
    method = usageDoc ? usageDoc.method : null;
    var keys = Object.keys(indicators);
    if (keys.length === 0) {
      document.getElementById("od-status").textContent = TEXT.none;
      document.body.setAttribute("data-rendered", "none");
      return;
    }
    keys.forEach(function (key) {
      var option = document.createElement("option");
      option.value = key; option.textContent = indicators[key].label;
      indicatorSelect.appendChild(option);
    });
    var wanted = params.get("indicator");
    indicatorSelect.value = keys.indexOf(wanted) >= 0 ? wanted : keys[0];
    fillWindows();
    map.fitBounds(L.geoJSON(districtsGeo).getBounds(), { padding: [10, 10] });
    drawStreets(streets);
    map.attributionControl.addAttribution(TEXT.licence);
    var footer = [];
    if (method) { footer.push(TEXT.method + " " + method.k + (method.noise ? ", ε = " + method.noise.epsilonPerLine : "")); }
    if (districtsGeo.features.some(function (f) { return f.properties.synthetic; })) { footer.push(TEXT.synthetic); }
    document.getElementById("od-footer").textContent = footer.join(" · ");
    render();
    var focus = params.get("district");
    if (focus && shapes[focus]) { shapes[focus].fire("click"); }
  }

  document.getElementById("od-title").textContent = TEXT.title;
  document.title = TEXT.title;
  document.getElementById("od-indicator-label").textContent = TEXT.indicator;
  document.getElementById("od-window-label").textContent = TEXT.window;
  document.getElementById("od-th-district").textContent = TEXT.district;
  document.getElementById("od-th-value").textContent = TEXT.value;
  var toggle = document.getElementById("od-view-toggle");
  toggle.textContent = TEXT.table;
  toggle.addEventListener("click", function () {
    var view = document.getElementById("od-table-view");
    view.classList.toggle("hidden");
  });
  indicatorSelect.addEventListener("change", function () { fillWindows(); render(); });
  windowSelect.addEventListener("change", render);
  document.getElementById("od-status").textContent = TEXT.loading;

  Promise.all([
    getJson("usage/usage.json"), getJson("usage/districts.geojson"),
    getJson("accessibility/districts.geojson"), getText("accessibility/indicators.csv"),
    getJson("map/streets.geojson")
  ]).then(function (r) { start(r[0], r[1], r[2], r[3], r[4]); });
})();
