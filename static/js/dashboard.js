/* Dashboard behaviour: row selection for bulk actions, the workspace switcher, overview charts. No inline JS (CSP). */
(function () {
  "use strict";

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
    var all = rows();
    var ticked = all.filter(function (r) { return r.checked; }).length;
    if (pageBox) {
      pageBox.checked = ticked > 0 && ticked === all.length;
      pageBox.indeterminate = ticked > 0 && ticked < all.length;
    }
    if (counter) {
      counter.textContent = scopeAll && scopeAll.checked ? "" : (ticked ? ticked + " selected on this page" : "");
    }
  }
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.id === "select-page") {
      rows().forEach(function (r) { r.checked = el.checked; });
      refresh();
    } else if (el.id === "scope-all") {
      if (el.checked) { rows().forEach(function (r) { r.checked = true; }); }
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
  });

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
