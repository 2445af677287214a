// Small progressive enhancement for the query page; the page works fully without it.
(function () {
  "use strict";
  var editor = document.getElementById("query");
  var form = document.getElementById("query-form");
  if (!editor || !form) { return; }
  // Ctrl+Enter (or Cmd+Enter) runs the query; plain Tab keeps its usual meaning (leave the field).
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }
  });
  // Long queries do not fit in a URL: post them instead (the results are the same).
  form.addEventListener("submit", function () {
    if (editor.value.length > 6000) { form.method = "post"; }
  });
}());
