/* cib report: draws the embedded figures when they are first shown, opens dossiers, sorts tables.
   Data written by the accounts under investigation only ever reaches the page as text
   (textContent, Plotly labels that were escaped in Python), never as HTML. */
(function () {
  "use strict";
  var holder = document.getElementById("cib-data");
  var data = holder ? JSON.parse(holder.textContent) : { figures: {} };
  var figures = data.figures || {};
  var config = {
    responsive: true,
    displaylogo: false,
    scrollZoom: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]
  };
  var drawn = {};

  function draw(id) {
    if (drawn[id] || !figures[id] || typeof Plotly === "undefined") { return; }
    var el = document.getElementById("fig-" + id);
    if (!el) { return; }
    drawn[id] = true;
    var fig = figures[id];
    Plotly.newPlot(el, fig.data, fitted(fig.layout), config).then(function (gd) {
      el.setAttribute("data-drawn", "1");
      if (el.hasAttribute("data-clickable")) {
        gd.on("plotly_click", function (ev) {
          var p = ev && ev.points && ev.points[0];
          if (p && typeof p.customdata === "string" && p.customdata) { openDossier(p.customdata); }
        });
      }
    });
  }

  // On a phone the legend goes under the chart and a finger scrolls the page instead of panning the chart.
  function fitted(layout) {
    if (!window.matchMedia || !window.matchMedia("(max-width: 600px)").matches) { return layout; }
    var out = Object.assign({}, layout, { dragmode: false });
    if (layout.legend && layout.legend.orientation !== "h") {
      out.legend = Object.assign({}, layout.legend || {}, { orientation: "h", x: 0, xanchor: "left", y: -0.02, yanchor: "top" });
      if (layout.legend.title) { out.legend.title = Object.assign({}, layout.legend.title, { side: "top left" }); }
    }
    return out;
  }

  function visible(el) {
    for (var node = el; node; node = node.parentElement) {
      if (node.hidden) { return false; }
      if (node.tagName === "DETAILS" && !node.open) { return false; }
    }
    return true;
  }

  function drawVisible(root) {
    var els = (root || document).querySelectorAll("[data-fig]");
    for (var i = 0; i < els.length; i++) {
      if (visible(els[i])) { draw(els[i].getAttribute("data-fig")); }
    }
  }

  function openDossier(anchor) {
    var el = document.getElementById(anchor);
    if (!el || !el.classList.contains("dossier")) { return; }
    if (!el.open) { el.open = true; }
    drawVisible(el);
    if (location.hash !== "#" + anchor) { location.hash = anchor; } else { el.scrollIntoView(); }
  }

  function fromHash() {
    var id = decodeURIComponent(location.hash.replace(/^#/, ""));
    if (!id) { return; }
    var el = document.getElementById(id);
    var dossier = el && el.closest ? el.closest("details.dossier") : null;
    if (dossier && !dossier.open) { dossier.open = true; drawVisible(dossier); el.scrollIntoView(); }
  }

  // the tools (search, downloads, print) share the data and the way dossiers open
  window.cibReport = { data: data, drawVisible: drawVisible, openDossier: openDossier };

  function cellValue(cell) {
    if (!cell) { return ""; }
    var v = cell.getAttribute("data-sort");
    return v === null ? cell.textContent.trim() : v;
  }

  function makeSortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      var btn = th.querySelector("button");
      if (!btn) { return; }
      btn.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var numeric = th.getAttribute("data-type") === "number";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[index]), y = cellValue(b.cells[index]), c;
          if (numeric) {
            var nx = parseFloat(x), ny = parseFloat(y);
            nx = isNaN(nx) ? -Infinity : nx;
            ny = isNaN(ny) ? -Infinity : ny;
            c = nx === ny ? 0 : (nx < ny ? -1 : 1);
          } else {
            c = x.localeCompare(y);
          }
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll("details.dossier"), function (d) {
      d.addEventListener("toggle", function () { if (d.open) { drawVisible(d); } });
    });
    var toggle = document.getElementById("show-accounts");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var accounts = document.getElementById("net-accounts");
        var clusters = document.getElementById("net-clusters");
        var showAccounts = accounts.hidden;
        accounts.hidden = !showAccounts;
        clusters.hidden = showAccounts;
        toggle.textContent = showAccounts ? toggle.getAttribute("data-back") : toggle.getAttribute("data-forward");
        drawVisible(showAccounts ? accounts : clusters);
      });
    }
    window.addEventListener("hashchange", fromHash);
    fromHash();
    drawVisible(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
