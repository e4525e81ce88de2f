/* Dashboard behaviour: keyboard shortcuts and focus, row selection for bulk actions, copying numbers, recordings,
   the workspace switcher, overview charts. No inline JS (CSP). */
(function () {
  "use strict";

  // Keyboard: "/" focuses the page's search box (as on GitHub and Gmail) unless you are typing somewhere.
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
    var box = document.querySelector("[data-search-shortcut]") || document.querySelector("main input[type=search]");
    if (box) { ev.preventDefault(); box.focus(); if (box.select) { box.select(); } }
  });

  // Forms and confirmations: focus starts on the first field to fill (or the first one with an error).
  var firstField = document.querySelector("main .is-invalid") || document.querySelector("[data-autofocus]");
  if (firstField && /^(FORM|DIV|SECTION)$/.test(firstField.tagName)) {  // a container: its first field
    firstField = firstField.querySelector("input:not([type=hidden]):not([disabled]), select:not([disabled]), " +
      "textarea:not([disabled]), button:not([disabled]), a[href]");
  }
  if (firstField && (document.activeElement === document.body || document.activeElement === null) &&
      !window.location.hash) {
    firstField.focus({ preventScroll: true });  // the page opens at its top; typing goes to the first field
  }

  // Numbers show in one format per page; copying one copies its E.164 form (+14155550100).
  document.addEventListener("copy", function (ev) {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || !ev.clipboardData) { return; }
    var start = sel.anchorNode && (sel.anchorNode.nodeType === 1 ? sel.anchorNode : sel.anchorNode.parentElement);
    var end = sel.focusNode && (sel.focusNode.nodeType === 1 ? sel.focusNode : sel.focusNode.parentElement);
    var a = start && start.closest("[data-e164]");
    if (a && end && a === end.closest("[data-e164]")) {
      ev.clipboardData.setData("text/plain", a.getAttribute("data-e164"));
      ev.preventDefault();
    }
  });
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest ? ev.target.closest("[data-copy]") : null;
    if (!button || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      var status = button.querySelector("[data-copy-status]");
      if (status) { status.textContent = "Copied"; window.setTimeout(function () { status.textContent = ""; }, 1500); }
    });
  });

  // A table wider than the screen scrolls inside its card: keyboard users can focus it and scroll with arrows.
  function scrollables() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        var title = box.closest(".card") && box.closest(".card").querySelector(".card-title, h2, h3");
        box.setAttribute("aria-label", (title ? title.textContent.trim() + ": " : "") + "table, scrolls sideways");
      } else if (!scrolls && box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  scrollables();
  window.addEventListener("resize", scrollables);
  document.addEventListener("htmx:afterSwap", scrollables);

  // A recording that cannot be loaded says so, with its download link, instead of a dead 0:00 player.
  function recordingFailed(audio) {
    var box = audio.closest("[data-recording]");
    if (!box || box.getAttribute("data-failed")) { return; }
    box.setAttribute("data-failed", "true");
    audio.classList.add("d-none");
    var note = box.querySelector("[data-recording-error]");
    if (note) { note.classList.remove("d-none"); }
    var plain = box.querySelector("[data-recording-download]");
    if (plain) { plain.classList.add("d-none"); }
  }
  document.querySelectorAll("[data-recording] audio").forEach(function (audio) {
    audio.addEventListener("error", function () { recordingFailed(audio); });
    if (audio.error || audio.networkState === 3) { recordingFailed(audio); }  // NETWORK_NO_SOURCE: failed already
  });

  // Workspace switcher: submit on change (a Switch button covers no-JS).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Bulk selection on the contacts list, and confirm buttons (data-confirm). Delegated from the document, so
  // rows that htmx swaps in (live search and filters) work without binding anything again.
  function rows() { return Array.prototype.slice.call(document.querySelectorAll(".row-check")); }
  function refresh() {
    var pageBox = document.getElementById("select-page");
    var scopeAll = document.getElementById("scope-all");
    var counter = document.getElementById("selected-count");
    var bar = document.getElementById("selection-bar");
    var all = rows();
    var ticked = all.filter(function (r) { return r.checked; }).length;
    if (scopeAll && !ticked) { scopeAll.checked = false; }
    if (pageBox) {
      pageBox.checked = ticked > 0 && ticked === all.length;
      pageBox.indeterminate = ticked > 0 && ticked < all.length;
    }
    if (counter) {
      var total = scopeAll ? scopeAll.getAttribute("data-total") : "";
      counter.textContent = scopeAll && scopeAll.checked ? "All " + total + " matching selected" :
        (ticked ? ticked + " selected on this page" : "");
    }
    // The bar with the actions appears when something is ticked (it is always there without JavaScript).
    if (bar) { bar.hidden = !ticked; }
    var offer = document.getElementById("select-all-matching");
    if (offer) { offer.hidden = !(ticked && ticked === all.length) || (scopeAll && scopeAll.checked); }
  }
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.id === "select-page") {
      rows().forEach(function (r) { r.checked = el.checked; });
      refresh();
    } else if (el.id === "scope-all") {
      if (el.checked) { rows().forEach(function (r) { r.checked = true; }); }
      else { rows().forEach(function (r) { r.checked = false; }); }
      refresh();
    } else if (el.classList && el.classList.contains("row-check")) {
      refresh();
    }
  });
  // An invalid filter answers 400 with an alert and no rows: show it (htmx swaps only 2xx by default).
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var target = ev.detail.target;
    if (ev.detail.xhr && ev.detail.xhr.status === 400 && target && target.id === "contact-results") {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest("[data-confirm]") : null;
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
    var all = ev.target.closest ? ev.target.closest("#select-all-matching-button") : null;
    if (all) {
      var scope = document.getElementById("scope-all");
      if (scope) { scope.checked = true; scope.dispatchEvent(new Event("change", { bubbles: true })); scope.focus(); }
    }
    var clear = ev.target.closest ? ev.target.closest("#clear-selection") : null;
    if (clear) {
      rows().forEach(function (r) { r.checked = false; });
      var scopeBox = document.getElementById("scope-all");
      if (scopeBox) { scopeBox.checked = false; }
      refresh();
      var first = document.getElementById("select-page");
      if (first) { first.focus(); }
    }
  });
  document.addEventListener("htmx:afterSwap", refresh);
  refresh();

  // Copy buttons (data-copy="#input"): the webhook signing secret, shown once.
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest ? ev.target.closest("[data-copy]") : null;
    var input = button ? document.querySelector(button.getAttribute("data-copy")) : null;
    if (!input) { return; }
    var label = button.querySelector("[data-copy-label]");
    function done() { if (label) { label.textContent = "Copied"; } }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
    } else {
      input.select();
      if (document.execCommand("copy")) { done(); }
    }
  });

  // Overview charts: data comes from json_script blocks.
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  if (window.Chart) {
    var perDay = data("calls-per-day");
    var perDayCanvas = document.getElementById("chart-calls-per-day");
    if (perDay && perDayCanvas) {
      new window.Chart(perDayCanvas, {
        type: "bar",
        data: { labels: perDay.labels, datasets: [
          { label: "Answered", data: perDay.answered, backgroundColor: "#2fb344", stack: "calls" },
          { label: "Not answered", data: perDay.unanswered, backgroundColor: "#f59f00", stack: "calls" }
        ] },
        options: { responsive: true, maintainAspectRatio: false, animation: false,
          scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
          plugins: { legend: { position: "bottom" } } }
      });
    }
    var outcomes = data("outcomes-by-campaign");
    var outcomesCanvas = document.getElementById("chart-outcomes");
    if (outcomes && outcomesCanvas) {
      var palette = ["#206bc4", "#2fb344", "#f59f00", "#d63939", "#ae3ec9", "#17a2b8", "#74b816", "#6c7a91"];
      new window.Chart(outcomesCanvas, {
        type: "bar",
        data: { labels: outcomes.labels, datasets: outcomes.datasets.map(function (ds, i) {
          return { label: ds.label, data: ds.data, backgroundColor: palette[i % palette.length], stack: "o" };
        }) },
        options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
          scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
          plugins: { legend: { position: "bottom" } } }
      });
    }
    var sentiment = data("sentiment-mix");
    var sentimentCanvas = document.getElementById("chart-sentiment");
    if (sentiment && sentimentCanvas) {
      new window.Chart(sentimentCanvas, {
        type: "doughnut",
        data: { labels: sentiment.labels, datasets: [{ data: sentiment.data, backgroundColor: ["#2fb344", "#adb5bd", "#d63939"] }] },
        options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: "bottom" } } }
      });
    }
  }
})();
