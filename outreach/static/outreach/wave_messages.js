// Live counts on a wave's messages page: poll the JSON status while messages are pending.
(function () {
  "use strict";
  var root = document.getElementById("outreach");
  if (!root) { return; }
  var url = root.getAttribute("data-status-url");
  var pending = parseInt(root.getAttribute("data-pending"), 10) || 0;
  var problems = null;
  var note = document.getElementById("live-note");

  function update(data) {
    Object.keys(data.counts).forEach(function (kind) {
      Object.keys(data.counts[kind]).forEach(function (status) {
        var cell = root.querySelector('[data-count="' + kind + ":" + status + '"]');
        if (cell) { cell.textContent = data.counts[kind][status]; }
      });
    });
    Object.keys(data.totals).forEach(function (status) {
      var cell = root.querySelector('[data-total="' + status + '"]');
      if (cell) { cell.textContent = data.totals[status]; }
    });
    var wasPending = pending;
    pending = data.pending;
    if (problems === null) { problems = data.problems.length; }
    // The lists below (failures, partnerships) are server-rendered: reload once a batch ends
    // or new failures appear, so that they show them too.
    if ((wasPending > 0 && pending === 0) || data.problems.length !== problems) {
      window.location.reload();
      return;
    }
    if (note) { note.textContent = pending ? "(updating while they are sent)" : ""; }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { update(data); } })
      .catch(function () { /* try again at the next tick */ })
      .finally(function () { window.setTimeout(poll, pending ? 2000 : 15000); });
  }
  window.setTimeout(poll, pending ? 2000 : 15000);
})();
