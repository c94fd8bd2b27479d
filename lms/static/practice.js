// Exercise player: show the AI model's answer as it arrives, by polling the attempt's small JSON state.
// Without this script the page still works: its "show the answer so far" link reloads it.
(function () {
  "use strict";
  var box = document.getElementById("model-answer");
  if (!box || !window.fetch) return;
  var text = document.getElementById("answer-so-far");
  var status = document.getElementById("answer-status");
  var delay = 1000;
  var polls = 0;

  function poll() {
    polls += 1;
    fetch(box.dataset.stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (state) {
        if (state.text) text.textContent = state.text;
        if (state.reason) status.textContent = state.reason;
        if (state.finished) {
          window.location.assign(box.dataset.pageUrl); // the page takes the finished answer (or shows why not)
          return;
        }
        if (polls < 600) window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 10000);
        if (polls < 600) window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
