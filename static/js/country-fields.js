// Country questions: the page carries a text input (a name or code, what works without
// script); this draws the list instead, from window.escpCountries (static/js/countries.js,
// fetched once and cached), before journey.js reads the page. Both post the same codes.
(function () {
  "use strict";
  const data = window.escpCountries;
  if (!data) { return; }
  const eu = new Set(data.eu);

  function offered(field) {
    const excludeEu = field.hasAttribute("data-exclude-eu");
    return data.countries.filter(function (pair) { return !(excludeEu && eu.has(pair[0])); });
  }

  function codeOf(text, pairs) {
    const term = text.trim().toLowerCase();
    const found = pairs.find(function (pair) { return pair[0].toLowerCase() === term || pair[1].toLowerCase() === term; });
    return found ? found[0] : "";
  }

  // One country: a select with the same name, id and description as the text input.
  function drawOne(input) {
    const pairs = offered(input);
    const select = document.createElement("select");
    ["name", "id", "aria-describedby", "aria-invalid"].forEach(function (attribute) {
      if (input.hasAttribute(attribute)) { select.setAttribute(attribute, input.getAttribute(attribute)); }
    });
    select.className = "form-select w-auto" + (input.classList.contains("is-invalid") ? " is-invalid" : "");
    const typed = input.getAttribute("value") || "";
    const chosen = codeOf(typed, pairs);
    select.add(new Option("Choose a country", ""));
    if (typed && !chosen) {
      // What was typed without script and not understood stays shown, with its message.
      select.add(new Option(typed, typed, true, true));
    }
    pairs.forEach(function (pair) { select.add(new Option(pair[1], pair[0], false, pair[0] === chosen)); });
    const hint = input.parentNode.querySelector("[data-country-hint]");
    if (hint) { hint.remove(); }
    input.replaceWith(select);
  }

  // Several countries: a checkbox per country (the filter of journey.js narrows them).
  function drawMany(list) {
    const name = list.dataset.name;
    const base = list.id.replace(/-list$/, "");
    const chosen = new Set((list.dataset.chosen || "").split(" ").filter(Boolean));
    const fragment = document.createDocumentFragment();
    offered(list).forEach(function (pair) {
      const item = document.createElement("div");
      item.className = "form-check";
      item.dataset.countryName = pair[1].toLowerCase();
      const box = document.createElement("input");
      box.className = "form-check-input";
      box.type = "checkbox";
      box.name = name;
      box.value = pair[0];
      box.id = base + "-" + pair[0];
      if (chosen.has(pair[0])) { box.setAttribute("checked", ""); }
      const label = document.createElement("label");
      label.className = "form-check-label";
      label.htmlFor = box.id;
      label.textContent = pair[1];
      item.append(box, label);
      fragment.append(item);
    });
    list.replaceChildren(fragment);
  }

  function draw(scope) {
    scope.querySelectorAll('input[data-country-field="one"]').forEach(drawOne);
    scope.querySelectorAll('[data-country-field="many"]').forEach(drawMany);
    // Rows that "Add" copies are drawn the same way.
    scope.querySelectorAll("template").forEach(function (template) { draw(template.content); });
  }
  draw(document);
})();
