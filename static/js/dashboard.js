/* Dashboard behaviour: row selection for bulk actions, the workspace switcher, overview charts. No inline JS (CSP). */
(function () {
  "use strict";

  // Workspace switcher: submit on change (a Switch button covers no-JS).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Bulk selection on the contacts list, and confirm buttons (data-confirm). Bound again inside the results
  // after htmx swaps them in (live search and filters).
  function bind(root) {
    var pageBox = root.querySelector("#select-page");
    var scopeAll = root.querySelector("#scope-all");
    var counter = root.querySelector("#selected-count");
    var rows = Array.prototype.slice.call(root.querySelectorAll(".row-check"));
    function refresh() {
      var ticked = rows.filter(function (r) { return r.checked; }).length;
      if (pageBox) {
        pageBox.checked = ticked > 0 && ticked === rows.length;
        pageBox.indeterminate = ticked > 0 && ticked < rows.length;
      }
      if (counter) {
        counter.textContent = scopeAll && scopeAll.checked ? "" : (ticked ? ticked + " selected on this page" : "");
      }
    }
    if (pageBox) {
      pageBox.addEventListener("change", function () {
        rows.forEach(function (r) { r.checked = pageBox.checked; });
        refresh();
      });
    }
    rows.forEach(function (r) { r.addEventListener("change", refresh); });
    if (scopeAll) {
      scopeAll.addEventListener("change", function () {
        if (scopeAll.checked) { rows.forEach(function (r) { r.checked = true; }); }
        refresh();
      });
    }
    root.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (ev) {
        if (!window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
  }
  bind(document);
  var initial = document.getElementById("contact-results");
  if (initial) { initial.setAttribute("data-bound", ""); }
  document.body.addEventListener("htmx:afterSwap", function () {
    var results = document.getElementById("contact-results");
    if (results && !results.hasAttribute("data-bound")) {
      results.setAttribute("data-bound", "");
      bind(results);
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
