// The portal's only script: htmx settings that need code, and a message when the server
// cannot be reached. Server responses (errors included) are rendered and translated by Flask.
(function () {
  "use strict";

  function showMessage(text) {
    var box = document.getElementById("messages");
    if (!box || !text) return;
    var div = document.createElement("div");
    div.className = "notice notice-error";
    div.setAttribute("role", "alert");
    div.textContent = text;
    box.replaceChildren(div);
  }

  document.addEventListener("htmx:error", function (evt) {
    // Network failures and timeouts have no response to show; HTTP errors arrive as
    // translated fragments retargeted to #messages by the server.
    var ctx = evt.detail && evt.detail.ctx;
    if (ctx && ctx.response && ctx.response.status) return;
    var meta = document.querySelector('meta[name="portal-network-error"]');
    showMessage(meta && meta.content);
  });

  // A "Print" button: <button type="button" data-print> (no inline script under the CSP).
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-print]");
    if (button) window.print();
  });

  // A failed form puts its error summary first; move focus there so screen readers hear it.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });

  // The same for a fragment swapped in by htmx: its summary carries `data-focus`.
  document.addEventListener("htmx:after:swap", function () {
    var target = document.querySelector("[data-focus]");
    if (!target) return;
    target.removeAttribute("data-focus");
    target.focus();
  });
})();
