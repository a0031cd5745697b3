// The questionnaire pages, enhanced: comment boxes follow their option, "None" clears the
// others, questions follow their relevance rule, rows are added and removed in place.
// The server applies the same rules on every save, so the page works without this script.
(function () {
  "use strict";
  const form = document.querySelector("form.section-form");

  // Bring keyboard and screen-reader users to the list of errors first.
  const summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  if (!form) { return; }

  function setHidden(element, hidden) {
    element.hidden = hidden;
    element.querySelectorAll("input, select, textarea, button").forEach(function (control) {
      if (hidden) { control.setAttribute("tabindex", "-1"); } else { control.removeAttribute("tabindex"); }
    });
  }

  // Comment, number and "please specify" boxes appear with their option.
  function syncReveal(scope) {
    scope.querySelectorAll("[data-reveal-for]").forEach(function (box) {
      const control = document.getElementById(box.dataset.revealFor);
      if (!control) { return; }
      const hasError = box.querySelector(".is-invalid");
      const show = control.checked || Boolean(hasError);
      box.hidden = !show;
      control.setAttribute("aria-expanded", show ? "true" : "false");
    });
    scope.querySelectorAll("[data-other-select]").forEach(function (select) {
      const box = document.getElementById(select.dataset.otherSelect);
      if (box) { box.hidden = select.value !== "__other__" && !box.querySelector(".is-invalid"); }
    });
  }

  // An exclusive option ("None") unticks the others, and the others untick it.
  function applyExclusive(changed) {
    if (changed.type !== "checkbox" || !changed.checked) { return; }
    const group = form.querySelectorAll('input[type="checkbox"][name="' + CSS.escape(changed.name) + '"]');
    group.forEach(function (other) {
      if (other === changed) { return; }
      if (changed.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) {
        other.checked = false;
      }
    });
  }

  // Questions shown only for some answer of a question on the same page.
  function syncRelevance() {
    form.querySelectorAll("[data-shown-if]").forEach(function (question) {
      const controller = question.dataset.shownIf;
      const wanted = question.dataset.equals;
      const chosen = Array.from(form.querySelectorAll('[name="' + CSS.escape(controller) + '"]'))
        .filter(function (input) { return input.checked; })
        .map(function (input) { return input.value; });
      setHidden(question, chosen.indexOf(wanted) === -1);
    });
    form.querySelectorAll(".shown-if-hint").forEach(function (hint) { hint.hidden = true; });
  }

  // Repeat tables: rows are numbered 0..n-1 in their input names; keep that true.
  function renumber(table) {
    const code = table.id.replace(/^id-/, "");
    const rows = table.querySelectorAll("[data-rows] > [data-row]");
    rows.forEach(function (row, index) {
      const namePattern = new RegExp("^" + code.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "\\.(\\d+|__index__)\\.");
      const idPattern = new RegExp("^id-" + code.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "-(\\d+|__index__)");
      row.id = "id-" + code + "-" + index;
      row.querySelectorAll("*").forEach(function (el) {
        if (el.name) { el.name = el.name.replace(namePattern, code + "." + index + "."); }
        ["id", "for", "aria-describedby", "aria-controls", "data-reveal-for", "data-other-select"].forEach(function (attr) {
          const value = el.getAttribute(attr);
          if (value) {
            el.setAttribute(attr, value.split(" ").map(function (part) { return part.replace(idPattern, "id-" + code + "-" + index); }).join(" "));
          }
        });
        if (el.matches("[data-remove-row]")) { el.value = "remove:" + code + ":" + index; }
      });
      row.querySelectorAll("[data-row-number]").forEach(function (n) { n.textContent = String(index + 1); });
    });
    table.querySelector("[data-row-count]").value = String(rows.length);
    const empty = table.querySelector(".no-rows");
    if (empty) { empty.hidden = rows.length > 0; }
  }

  form.addEventListener("click", function (event) {
    const add = event.target.closest("[data-add-row]");
    if (add) {
      event.preventDefault();
      const table = add.closest("fieldset");
      const template = table.querySelector("template[data-row-template]");
      const holder = table.querySelector("[data-rows]");
      const index = holder.querySelectorAll(":scope > [data-row]").length;
      const html = template.innerHTML.replace(/__index__/g, String(index)).replace(/__number__/g, String(index + 1));
      holder.insertAdjacentHTML("beforeend", html);
      renumber(table);
      syncReveal(table);
      const row = holder.lastElementChild;
      const first = row.querySelector("input:not([type=hidden]), select, textarea");
      (first || row).focus();
      return;
    }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) {
      event.preventDefault();
      const table = remove.closest("fieldset[id]");
      const row = remove.closest("[data-row]");
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber(table);
      (next ? next : table.querySelector("[data-add-row]")).focus();
      return;
    }
    const clear = event.target.closest("[data-clear-choice]");
    if (clear) {
      form.querySelectorAll('[name="' + CSS.escape(clear.dataset.clearChoice) + '"]').forEach(function (input) { input.checked = false; });
      syncReveal(form);
      syncRelevance();
    }
  });

  form.addEventListener("change", function (event) {
    applyExclusive(event.target);
    syncReveal(form);
    syncRelevance();
  });

  // Country lists: filter by name, and say what is chosen.
  document.querySelectorAll("[data-country-filter]").forEach(function (filter) {
    const list = document.getElementById(filter.dataset.countryFilter);
    const summaryLine = document.querySelector('[data-country-summary="' + list.id + '"]');
    function describe() {
      const chosen = Array.from(list.querySelectorAll("input:checked")).map(function (input) { return input.labels[0].textContent; });
      summaryLine.textContent = chosen.length ? "Chosen (" + chosen.length + "): " + chosen.join(", ") : "No country chosen yet.";
    }
    filter.addEventListener("input", function () {
      const term = filter.value.trim().toLowerCase();
      list.querySelectorAll("[data-country-name]").forEach(function (item) {
        item.hidden = term !== "" && item.dataset.countryName.indexOf(term) === -1;
      });
    });
    // Enter in the filter must not submit the page.
    filter.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); } });
    list.addEventListener("change", describe);
    describe();
  });

  syncReveal(form);
  syncRelevance();
})();
