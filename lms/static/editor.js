// Live preview for the lesson editor: the server renders with the same sanitiser as saving.
(function () {
  "use strict";
  var form = document.getElementById("lesson-editor");
  if (!form) return;
  var source = form.querySelector("textarea");
  var preview = document.getElementById("preview");
  var errors = document.getElementById("preview-errors");
  var timer = null;
  var sequence = 0;

  function refresh() {
    var mine = ++sequence;
    fetch(form.dataset.previewUrl, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (mine !== sequence) return; // a newer preview is on its way
        preview.innerHTML = data.html; // sanitised by the server's allow-list
        errors.textContent = "";
        (data.errors || []).forEach(function (message) {
          var item = document.createElement("li");
          item.textContent = message;
          errors.appendChild(item);
        });
      });
  }

  source.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
})();
