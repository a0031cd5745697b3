// The questionnaire pages, enhanced: comment boxes follow their option, "None" clears the
// others, questions follow their relevance rule, rows are added and removed in place.
// The server applies the same rules on every save, so the page works without this script.
// Typing is saved by itself after a few idle seconds (the same POST as the buttons, answered
// in JSON), and leaving the page by a link saves it first or asks.
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
      edited();
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
      removedRows.add(table.id.replace(/^id-/, ""));
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber(table);
      edited();
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

  // Autosave ---------------------------------------------------------------------------
  const status = document.getElementById("autosave-status");
  // No autosave where the page waits for a decision (a colleague's save to overwrite or not).
  const idle = parseInt(form.dataset.autosaveMs || "0", 10);
  let changes = 0;        // edits since the page was drawn or last saved
  let timer = null;
  let pending = null;     // the save under way, if any
  let stopped = false;    // a colleague's save or the deadline: only a button press goes on
  let submitting = false;
  const removedRows = new Set();  // tables where the person removed a row since the last save
  let flushed = false;            // a button press saved the removed rows first (once)

  function say(text) { if (status) { status.textContent = text; } }

  function post(token) {
    const data = new URLSearchParams(new FormData(form));
    data.set("action", token ? "confirm:autosave" : "autosave");
    if (token) { data.set("confirm_removal", token); }
    // Not form.action: the buttons named "action" shadow that property.
    return fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) { return response.json(); });
  }

  // The server never deletes saved answers unasked. Rows the person removed with their button
  // are confirmed by that press; answers hidden by a changed answer are confirmed in a dialog.
  function confirmed(answer) {
    if (answer.status !== "confirm") { return Promise.resolve(answer); }
    const byButton = answer.removals.every(function (r) { return !r.hidden && removedRows.has(r.code); });
    if (byButton || window.confirm(answer.question)) { return post(answer.token); }
    return Promise.resolve(answer);
  }

  function autosave() {
    clearTimeout(timer);
    if (pending) { return pending; }
    if (stopped || !idle || changes === 0) { return Promise.resolve(changes === 0); }
    const sent = changes;
    say("Saving…");
    pending = post("").then(confirmed).then(function (answer) {
      say(answer.message || "");
      if (answer.status === "saved") {
        // The next save (a button, or this again) is based on the version just saved.
        form.querySelector('input[name="lock_version"]').value = String(answer.lock_version);
        changes -= sent;
        removedRows.clear();
        return changes === 0 && answer.problems.length === 0;
      }
      if (answer.status === "conflict" || answer.status === "closed" || answer.status === "submitted") {
        stopped = true;
      }
      return false;
    }).catch(function () {
      say("Not saved: the server did not answer. Your answers are still on this page; saving again in a moment.");
      timer = setTimeout(autosave, Math.max(idle, 15000));
      return false;
    }).finally(function () {
      pending = null;
      // Typing went on while this save was under way: save that too, once idle again.
      if (changes > 0 && !stopped && !submitting) { clearTimeout(timer); timer = setTimeout(autosave, idle); }
    });
    return pending;
  }

  function edited() {
    changes += 1;
    clearTimeout(timer);
    timer = setTimeout(autosave, idle);
  }
  form.addEventListener("input", edited);
  form.addEventListener("change", function (event) {
    edited();
    // An answer that shows or hides other questions is saved at once: if it hides answers,
    // the person is asked right after the click, not a few seconds later.
    const name = event.target.name;
    if (name && form.querySelector('[data-shown-if="' + CSS.escape(name) + '"]')) { autosave(); }
  });
  form.addEventListener("submit", function (event) {
    clearTimeout(timer);
    if (!pending && !flushed && removedRows.size && changes && idle && !stopped) { flushed = true; autosave(); }
    if (pending) {
      // Let the autosave under way finish first, so that this post carries the version it saved
      // (otherwise the page would conflict with its own autosave), and rows removed with
      // their button are removed without asking again.
      event.preventDefault();
      const submitter = event.submitter;
      pending.then(function () { if (submitter) { form.requestSubmit(submitter); } else { form.requestSubmit(); } });
      return;
    }
    submitting = true;
  });

  // Leaving by a link: save first; if that fails, ask.
  document.addEventListener("click", function (event) {
    const link = event.target.closest("a[href]");
    if (!link || event.defaultPrevented || link.hasAttribute("data-leave-unsaved")) { return; }
    if (link.target === "_blank" || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    const href = link.getAttribute("href");
    if (href.charAt(0) === "#") { return; }
    if (changes === 0 && !pending) { return; }
    event.preventDefault();
    autosave().then(function (clean) {
      if (clean || window.confirm("Some of your answers on this page are not saved (see the message at the bottom of the page). Leave anyway?")) {
        changes = 0;
        window.location.href = link.href;
      }
    });
  });
  // Closing the tab or typing another address with unsaved typing: the browser asks.
  window.addEventListener("beforeunload", function (event) {
    if (changes > 0 && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  syncReveal(form);
  syncRelevance();
})();
