// Partnership choices, searchable. The page draws a grouped <select> of the partnerships the
// question designates (it works without script); this turns each into a text box with a list
// of matches, the ARIA 1.2 combobox pattern: type part of an acronym or name to filter, Down
// and Up to move, Enter to choose, Escape to close; the number of matches is announced. The
// select stays in the form, hidden, and holds the value that is posted, so the server's
// rules (and journey.js's "Another partnership" box) apply as before.
(function () {
  "use strict";
  const OTHER = "__other__";
  const SHOWN_AT_MOST = 60;
  let counter = 0;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function enhance(select) {
    if (select.dataset.enhanced) { return; }
    select.dataset.enhanced = "true";
    counter += 1;
    const base = "partnership-picker-" + counter;
    const hadFocus = document.activeElement === select;
    const label = document.querySelector('label[for="' + CSS.escape(select.id) + '"]');
    const otherBox = document.getElementById(select.dataset.otherSelect || "");
    const otherName = otherBox ? otherBox.querySelector("input") : null;

    const picker = document.createElement("div");
    picker.className = "partnership-picker position-relative";
    const input = document.createElement("input");
    input.type = "text";
    input.id = base + "-input";
    input.className = "form-control" + (select.classList.contains("is-invalid") ? " is-invalid" : "");
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", base + "-list");
    ["aria-invalid", "aria-required"].forEach(function (name) {
      if (select.hasAttribute(name)) { input.setAttribute(name, select.getAttribute(name)); }
    });
    const hint = document.createElement("p");
    hint.id = base + "-hint";
    hint.className = "form-text mt-0 mb-1";
    hint.textContent = "Type part of an acronym or a name, then choose with the arrow keys and Enter.";
    const described = (select.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    input.setAttribute("aria-describedby", described.concat([hint.id]).join(" "));
    const list = document.createElement("div");
    list.id = base + "-list";
    list.className = "list-group overflow-auto mt-1";
    list.style.maxHeight = "18rem";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", (label ? label.textContent.trim() : "Partnerships") + ": matching partnerships");
    list.hidden = true;
    const status = document.createElement("p");
    status.id = base + "-status";
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");

    // The choices, from the select: [{value, label, heading, text}], "Another partnership" last.
    const choices = [];
    Array.from(select.options).forEach(function (option) {
      if (!option.value) { return; }
      const group = option.parentElement.tagName === "OPTGROUP" ? option.parentElement.label : "";
      choices.push({ value: option.value, label: option.textContent, heading: group, text: fold(option.textContent + " " + group) });
    });
    let shown = [];
    let active = -1;

    function chosenLabel() {
      const option = select.options[select.selectedIndex];
      return option && option.value ? option.textContent : "";
    }

    function setActive(index) {
      const items = list.querySelectorAll("[role=option]");
      items.forEach(function (item, i) {
        const on = i === index;
        item.classList.toggle("active", on);
        if (on) { item.scrollIntoView({ block: "nearest" }); }
      });
      active = index;
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(term) {
      const folded = fold(term);
      const everything = folded === "" || term === chosenLabel();
      const matches = choices.filter(function (c) { return c.value !== OTHER && (everything || c.text.indexOf(folded) !== -1); });
      shown = matches.slice(0, SHOWN_AT_MOST).concat(choices.filter(function (c) { return c.value === OTHER; }));
      list.textContent = "";
      let group = null;
      let heading = null;
      shown.forEach(function (choice, i) {
        if (choice.heading !== heading) {
          heading = choice.heading;
          group = document.createElement("div");
          group.setAttribute("role", "group");
          if (heading) {
            group.setAttribute("aria-label", heading);
            const title = document.createElement("div");
            title.className = "list-group-item small fw-semibold text-body-secondary bg-body-tertiary";
            title.setAttribute("aria-hidden", "true");
            title.textContent = heading;
            group.appendChild(title);
          }
          list.appendChild(group);
        }
        const item = document.createElement("div");
        item.id = base + "-option-" + i;
        item.className = "list-group-item list-group-item-action";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", choice.value === select.value ? "true" : "false");
        item.dataset.index = String(i);
        item.textContent = choice.label;
        group.appendChild(item);
      });
      const count = matches.length;
      let message;
      if (count === 0) {
        message = "No partnership in the list matches “" + term.trim() + "”: choose “Another partnership (not in this list)” to type its name.";
      } else {
        message = count + (count === 1 ? " partnership matches." : " partnerships match.");
        if (count > SHOWN_AT_MOST) { message += " The first " + SHOWN_AT_MOST + " are shown: type more to narrow the list."; }
      }
      status.textContent = message;
      setActive(-1);
    }

    function open() {
      render(input.value);
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function choose(choice) {
      select.value = choice ? choice.value : "";
      input.value = choice ? choice.label : "";
      close();
      status.textContent = choice ? "Chosen: " + choice.label + "." : "";
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    // Leaving the box: an exact acronym or label is chosen; anything else typed is kept as
    // the name of another partnership rather than lost.
    function commit() {
      const typed = input.value.trim();
      if (typed === chosenLabel()) { return; }
      if (typed === "") { choose(null); return; }
      const folded = fold(typed);
      const exact = choices.find(function (c) { return fold(c.label) === folded || fold(c.value) === folded; });
      if (exact) { choose(exact); return; }
      const other = choices.find(function (c) { return c.value === OTHER; });
      if (other) {
        if (otherName && !otherName.value.trim()) { otherName.value = typed; }
        choose(other);
        status.textContent = "“" + typed + "” is not in the list: it is kept as the name of another partnership.";
      }
    }

    input.addEventListener("input", open);
    input.addEventListener("click", function () { if (list.hidden) { open(); } else { close(); } });
    input.addEventListener("keydown", function (event) {
      const count = shown.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) { open(); }
        if (!count) { return; }
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive(active === -1 ? (step === 1 ? 0 : count - 1) : (active + step + count) % count);
      } else if (event.key === "Enter") {
        // Never submit the page from here.
        event.preventDefault();
        if (!list.hidden && active >= 0) { choose(shown[active]); } else if (!list.hidden && shown.length === 2) { choose(shown[0]); }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      } else if (event.key === "Home" && !list.hidden && count) {
        event.preventDefault();
        setActive(0);
      } else if (event.key === "End" && !list.hidden && count) {
        event.preventDefault();
        setActive(count - 1);
      }
    });
    input.addEventListener("blur", function () {
      // Tab away from a highlighted match takes it, as Enter would.
      if (!list.hidden && active >= 0) { choose(shown[active]); return; }
      commit();
      close();
    });
    // A press on an option must not take the focus from the box (and so close the list first).
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      const item = event.target.closest("[role=option]");
      if (item) { choose(shown[Number(item.dataset.index)]); }
    });

    input.value = chosenLabel();
    picker.appendChild(hint);
    picker.appendChild(input);
    picker.appendChild(list);
    picker.appendChild(status);
    select.parentNode.insertBefore(picker, select.nextSibling);
    select.hidden = true;
    select.setAttribute("tabindex", "-1");
    select.setAttribute("aria-hidden", "true");
    if (label) { label.htmlFor = input.id; }
    if (hadFocus) { input.focus(); }
  }

  function enhanceAll(scope) {
    scope.querySelectorAll("select[data-partnership-select]").forEach(enhance);
  }

  enhanceAll(document);
  // Rows added to a table (journey.js copies a template) bring their own selects.
  const form = document.querySelector("form.section-form");
  if (form && "MutationObserver" in window) {
    new MutationObserver(function (records) {
      records.forEach(function (record) {
        record.addedNodes.forEach(function (node) {
          if (node.nodeType === 1) {
            if (node.matches("select[data-partnership-select]")) { enhance(node); } else { enhanceAll(node); }
          }
        });
      });
    }).observe(form, { childList: true, subtree: true });
  }
})();
