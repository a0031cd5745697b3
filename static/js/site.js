// Enhancements shared by all pages; every page also works without this script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
})();
