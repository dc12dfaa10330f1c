/* cib report: search, per-network CSV downloads, copy-link buttons, expand all, print.
   The data comes from the page itself (cibReport.data); values written by the accounts under
   investigation reach the page only as text (textContent), and every CSV cell that a spreadsheet
   would read as a formula gets a leading ' by the same rule as the exports (data.formula). */
(function () {
  "use strict";
  var report = window.cibReport;
  if (!report) { return; }
  var data = report.data;
  var dossiers = data.dossiers || {};
  var columns = data.columns || { members: [], posts: [] };
  var formula = null;
  try { formula = data.formula ? new RegExp(data.formula, "u") : null; } catch (e) { formula = /^[\s=+\-@]/; }
  var MAX_HITS = Math.max(1, data.max_hits || 40);

  function norm(value) {
    return String(value === null || value === undefined ? "" : value).normalize("NFKC").toLowerCase();
  }

  function col(which) {
    var out = {};
    (columns[which] || []).forEach(function (name, i) { out[name] = i; });
    return out;
  }

  /* ---- search ---- */
  var index = null;

  function buildIndex() {
    var m = col("members"), p = col("posts");
    index = [];
    Object.keys(dossiers).forEach(function (anchor) {
      var d = dossiers[anchor];
      var network = d.name + (d.topic ? " · " + d.topic : "");
      index.push({ kind: "network", place: anchor, dossier: anchor, title: network, detail: "", hay: norm(network) });
      d.members.forEach(function (row, k) {
        var handle = row[m.handle] || row[m.account_id];
        index.push({
          kind: "account", place: d.member_places[k], dossier: anchor, title: handle,
          detail: (row[m.display_name] ? row[m.display_name] + " · " : "") + network,
          hay: norm([row[m.handle], row[m.display_name], row[m.account_id], row[m.profile_url]].join("\n"))
        });
      });
      d.posts.forEach(function (row, k) {
        var tags = String(row[p.hashtags] || "").split("; ").filter(Boolean).map(function (t) { return "#" + t; });
        index.push({
          kind: "post", place: d.post_places[k], dossier: anchor, title: (row[p.handle] || row[p.account_id]) + " · " + network,
          detail: row[p.text] || "", raw: String(row[p.text] || ""),
          hay: norm([row[p.text], row[p.urls], tags.join(" "), row[p.handle], row[p.account_id], row[p.post_id],
                     row[p.post_url]].join("\n"))
        });
      });
    });
  }

  function find(query) {
    var words = norm(query).split(/\s+/).filter(Boolean);
    if (!words.length) { return []; }
    if (!index) { buildIndex(); }
    return index.filter(function (item) {
      return words.every(function (w) { return item.hay.indexOf(w) !== -1; });
    });
  }

  function snippet(text, query) {
    var first = norm(query).split(/\s+/).filter(Boolean)[0] || "";
    var at = Math.max(text.toLowerCase().indexOf(first), 0);
    var from = Math.max(at - 50, 0);
    var part = text.slice(from, from + 140);
    return (from > 0 ? "…" : "") + part + (from + 140 < text.length ? "…" : "");
  }

  function go(hit) {
    var dossier = document.getElementById(hit.dossier);
    if (dossier && !dossier.open) { dossier.open = true; }
    if (dossier) { report.drawVisible(dossier); }
    var el = document.getElementById(hit.place);
    if (!el) { return; }
    if (location.hash !== "#" + hit.place) { history.replaceState(null, "", "#" + hit.place); }
    el.scrollIntoView({ block: hit.kind === "network" ? "start" : "center" });
    el.classList.remove("found");
    void el.offsetWidth;
    el.classList.add("found");
  }

  function show(results, query, box) {
    box.textContent = "";
    box.setAttribute("data-query", query);
    var head = document.createElement("p");
    head.className = "small";
    head.textContent = results.length === 0 ? "Nothing found in the dossiers." :
      results.length === 1 ? "1 match" : results.length.toLocaleString("en") + " matches" +
      (results.length > MAX_HITS ? ", the first " + MAX_HITS + " listed" : "");
    box.appendChild(head);
    results.slice(0, MAX_HITS).forEach(function (hit) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "hit";
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = hit.kind;
      var title = document.createElement("span");
      title.className = "what";
      title.textContent = hit.title;
      button.appendChild(kind);
      button.appendChild(title);
      if (hit.detail) {
        var detail = document.createElement("span");
        detail.className = "detail";
        detail.textContent = hit.kind === "post" ? snippet(hit.raw, query) : hit.detail;
        button.appendChild(detail);
      }
      button.addEventListener("click", function () { go(hit); });
      box.appendChild(button);
    });
    box.hidden = false;
  }

  function initSearch() {
    var input = document.getElementById("search");
    var box = document.getElementById("search-results");
    if (!input || !box) { return; }
    var timer = null;
    var results = [];
    function run() {
      var query = input.value;
      if (norm(query).trim().length < 2) { box.hidden = true; results = []; return; }
      results = find(query);
      show(results, query, box);
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 120); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { clearTimeout(timer); run(); if (results.length) { go(results[0]); } }
      if (ev.key === "Escape") { box.hidden = true; }
    });
    input.addEventListener("focus", function () { if (box.childNodes.length && input.value) { box.hidden = false; } });
    document.addEventListener("click", function (ev) {
      if (!box.contains(ev.target) && ev.target !== input) { box.hidden = true; }
    });
  }

  /* ---- CSV downloads ---- */
  function cell(value) {
    if (value === null || value === undefined) { return ""; }
    if (typeof value === "number" || typeof value === "boolean") { return String(value); }
    var text = String(value);
    if (formula && formula.test(text)) { text = "'" + text; }
    return /[",\r\n]/.test(text) ? "\"" + text.replace(/"/g, "\"\"") + "\"" : text;
  }

  function csv(names, rows) {
    var lines = [names.map(cell).join(",")];
    rows.forEach(function (row) { lines.push(row.map(cell).join(",")); });
    // a byte-order mark, as in the exports with texts, so spreadsheets read UTF-8
    return "\ufeff" + lines.join("\n") + "\n";
  }

  function save(name, text) {
    var url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 5000);
  }

  function download(button) {
    var d = dossiers[button.getAttribute("data-dossier")];
    var table = button.getAttribute("data-table") === "posts" ? "posts" : "members";
    if (!d) { return; }
    var suffix = table === "posts" ? "evidence" : "members";
    save("network-" + d.id + "-" + suffix + ".csv", csv(columns[table], d[table]));
  }

  /* ---- copy a link ---- */
  function copyText(text, button) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    function done(ok) {
      button.textContent = ok ? "copied" : "select and copy: " + text;
      setTimeout(function () { button.textContent = label; }, ok ? 1500 : 6000);
    }
    function fallback() {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      done(ok);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  }

  /* ---- expand all, print ---- */
  function allDossiers() { return Array.prototype.slice.call(document.querySelectorAll("details.dossier")); }

  function setAll(open) {
    allDossiers().forEach(function (d) { d.open = open; });
    if (open) { report.drawVisible(document.getElementById("dossiers")); }
  }

  function initTools() {
    var expand = document.getElementById("expand-all");
    if (expand) {
      expand.addEventListener("click", function () {
        var open = allDossiers().some(function (d) { return !d.open; });
        setAll(open);
        expand.textContent = expand.getAttribute(open ? "data-back" : "data-forward");
      });
    }
    var print = document.getElementById("print");
    if (print) { print.addEventListener("click", function () { window.print(); }); }
    var closed = [];
    window.addEventListener("beforeprint", function () {
      closed = allDossiers().filter(function (d) { return !d.open; });
      setAll(true);
    });
    window.addEventListener("afterprint", function () {
      closed.forEach(function (d) { d.open = false; });
      closed = [];
    });
    document.addEventListener("click", function (ev) {
      var target = ev.target;
      if (!(target instanceof Element)) { return; }
      var copy = target.closest("button.copy");
      if (copy) { copyText(copy.getAttribute("data-copy") || "", copy); return; }
      var down = target.closest("button.download");
      if (down) { download(down); }
    });
  }

  initSearch();
  initTools();
})();
