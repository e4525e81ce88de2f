/* Import wizard: upload size check, mapping form behaviour, live progress. No inline JS (CSP). */
(function () {
  "use strict";

  // Upload: refuse a file over the limit before sending it (the server checks again).
  var form = document.getElementById("upload-form");
  if (form) {
    var input = document.getElementById("id_file");
    var box = document.getElementById("upload-client-error");
    var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10);
    var maxMb = form.getAttribute("data-max-mb");
    var check = function () {
      var file = input.files && input.files[0];
      var message = "";
      if (!file) {
        message = "Choose a CSV, Excel (.xlsx) or vCard (.vcf) file to upload.";
      } else if (maxBytes && file.size > maxBytes) {
        message = file.name + " is " + (file.size / 1048576).toFixed(1) + " MB; the limit is " + maxMb +
          " MB. Split it into smaller files.";
      }
      box.textContent = message;
      box.classList.toggle("d-none", !message);
      return !message;
    };
    input.addEventListener("change", check);
    form.addEventListener("submit", function (ev) {
      if (!check()) { ev.preventDefault(); return; }
      var button = document.getElementById("upload-submit");
      button.disabled = true;
      button.classList.add("btn-loading");
    });
  }

  // Mapping: the phone order box shows only for phone columns; a new phone column goes last.
  var mapping = document.getElementById("mapping-form");
  if (mapping) {
    var orders = function () {
      return Array.prototype.map.call(mapping.querySelectorAll(".mapping-order:not(.d-none)"), function (el) {
        return parseInt(el.value, 10) || 0;
      });
    };
    mapping.querySelectorAll(".mapping-field").forEach(function (select) {
      select.addEventListener("change", function () {
        var row = select.closest("tr");
        var order = row.querySelector(".mapping-order");
        var isPhone = select.value === "phone";
        if (isPhone && order.classList.contains("d-none")) {
          order.value = Math.max.apply(null, [0].concat(orders())) + 1;
        }
        order.classList.toggle("d-none", !isPhone);
        order.closest("td").classList.toggle("is-empty", !isPhone);
        row.classList.toggle("text-secondary", select.value === "ignore");
      });
    });
  }

  // Progress: draw the bar, then poll the batch's JSON every second until it is done.
  var panel = document.getElementById("import-progress");
  if (panel) {
    var bar = panel.querySelector(".progress-bar");
    var holder = document.getElementById("import-bar");
    var fmt = function (n) { return Number(n || 0).toLocaleString("en-US"); };
    var draw = function (percent) {
      bar.style.width = percent + "%";  // CSSOM, allowed under a self-only style-src
      holder.setAttribute("aria-valuenow", percent);
    };
    var set = function (name, text) {
      document.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) { el.textContent = text; });
    };
    draw(parseInt(bar.getAttribute("data-percent"), 10) || 0);
    if (panel.getAttribute("data-done") !== "true") {
      var url = panel.getAttribute("data-progress-url");
      var startStatus = panel.getAttribute("data-status");
      var poll = function () {
        fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data) { window.setTimeout(poll, 2000); return; }
            draw(data.percent);
            set("rows_processed", fmt(data.rows_processed));
            set("rows", fmt(data.rows));
            set("percent", data.percent);
            set("rate", fmt(data.rate));
            var badge = document.querySelector('[data-testid="status"]');
            if (badge && data.status !== "queued" && data.status !== "no_worker") {
              badge.textContent = data.status_label;
              badge.classList.remove("bg-azure-lt");
              badge.classList.add("bg-blue-lt");
            }
            ["imported", "updated", "duplicates_skipped", "invalid_skipped", "no_phone", "dnc", "limit_skipped"].forEach(
              function (k) { set(k, fmt(data[k])); });
            if (data.status === "queued") {
              set("eta", "waiting for a worker");
            } else if (data.status === "no_worker") {
              set("eta", "no worker is running");
            } else if (data.seconds_left !== null && data.seconds_left !== undefined) {
              set("eta", "about " + fmt(data.seconds_left) + " s left");
            }
            // Done, stalled, or a worker appeared or went missing: the page explains each, so show it afresh.
            var changed = data.status !== startStatus &&
              (data.status === "stalled" || data.status === "no_worker" || startStatus === "no_worker");
            if (data.done || changed) {
              window.location.reload();  // the result page: counts, errors, report, revert
              return;
            }
            window.setTimeout(poll, 700);
          })
          .catch(function () { window.setTimeout(poll, 2000); });
      };
      window.setTimeout(poll, 700);
    }
  }
})();
