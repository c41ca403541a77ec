// openrvu: the little JavaScript the pages need. No framework; htmx does the requests.
(function () {
  "use strict";

  // Search boxes: arrow keys move through the results, Enter opens (or picks) the highlighted one.
  function options(box) {
    var list = document.getElementById(box.getAttribute("aria-controls"));
    return list ? Array.prototype.slice.call(list.querySelectorAll("[role=option]")) : [];
  }
  function highlight(box, items, index) {
    items.forEach(function (el, i) { el.setAttribute("aria-selected", i === index ? "true" : "false"); });
    if (index >= 0 && items[index]) {
      box.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else {
      box.removeAttribute("aria-activedescendant");
    }
  }
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[role=combobox]")) return;
    var items = options(box);
    if (!items.length) return;
    var current = items.findIndex(function (el) { return el.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight(box, items, Math.min(current + 1, items.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(box, items, Math.max(current - 1, 0));
    } else if (event.key === "Enter") {
      event.preventDefault();
      (items[current >= 0 ? current : 0]).click();
    } else if (event.key === "Escape") {
      highlight(box, items, -1);
    }
  });
  // Fresh results: nothing is highlighted until the user presses an arrow key.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var box = document.querySelector("input[role=combobox][aria-controls='" + event.target.id + "']");
    if (box) box.removeAttribute("aria-activedescendant");
    renderCharts(event.target);
  });

  // The log form: picking a code from the results, a favourite or a recent chip fills the form.
  document.addEventListener("click", function (event) {
    var pick = event.target.closest("[data-pick-code]");
    if (pick) {
      event.preventDefault();
      var form = document.getElementById("log-form");
      if (!form) return;
      form.querySelector("[name=hcpcs]").value = pick.getAttribute("data-pick-code");
      var label = form.querySelector("#picked-code");
      if (label) {
        label.querySelector(".hcpcs").textContent = pick.getAttribute("data-pick-code");
        label.querySelector(".desc").textContent = pick.getAttribute("data-pick-desc") || "";
        label.hidden = false;
      }
      var mods = (pick.getAttribute("data-pick-mods") || "").split(",").filter(Boolean);
      form.querySelectorAll("input[name=modifiers]").forEach(function (box) { box.checked = mods.indexOf(box.value) >= 0; });
      var units = form.querySelector("[name=units]");
      if (units && pick.getAttribute("data-pick-units")) units.value = pick.getAttribute("data-pick-units");
      var results = document.getElementById("pick-results");
      if (results) results.innerHTML = "";
      var submit = form.querySelector("button[type=submit]");
      if (submit) submit.focus();
      return;
    }
    var step = event.target.closest("[data-step]");
    if (step) {
      event.preventDefault();
      var input = document.getElementById(step.getAttribute("data-step-for"));
      var value = (parseInt(input.value, 10) || 1) + parseInt(step.getAttribute("data-step"), 10);
      input.value = Math.max(1, Math.min(99, value));
    }
  });

  // A submitted form is disabled at once; the idempotency key covers a double submit anyway.
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("button[type=submit][data-once]");
    if (button) setTimeout(function () { button.disabled = true; }, 0);
  });

  // Signing out first drops the saved copy of the log page (sw.js keeps it for offline use).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("action") !== "/signout" || !window.caches) return;
    event.preventDefault();
    caches.delete("openrvu-pages").catch(function () {}).then(function () { form.submit(); });
  });

  // Charts: <div class="chart" data-spec="ID"> where ID names a <script type="application/json">.
  function renderCharts(root) {
    if (!window.vegaEmbed) return;
    (root || document).querySelectorAll(".chart[data-spec]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-spec"));
      if (!source || el.getAttribute("data-rendered")) return;
      el.setAttribute("data-rendered", "1");
      window.vegaEmbed(el, JSON.parse(source.textContent), { actions: false, renderer: "svg" })
        .then(function () { el.setAttribute("data-ready", "1"); })
        .catch(function (err) { el.textContent = "Chart could not be drawn: " + err; });
    });
  }
  renderCharts(document);
})();
