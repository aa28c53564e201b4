// Rectification pages: J / K move through the queue's rows (Enter opens one); on an item,
// A approves or verifies, R returns (the comment is required, so it takes the focus first),
// J opens the next item waiting for review. Never while typing.
"use strict";

(function () {
  function typing(el) {
    return el && (el.tagName === "INPUT" && !["radio", "checkbox"].includes(el.type)
      || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function move(step) {
    const rows = Array.from(document.querySelectorAll("[data-rect-row]"));
    if (!rows.length) return;
    const at = rows.indexOf(document.activeElement);
    const next = rows[Math.min(rows.length - 1, Math.max(0, at + step))];
    next.focus();
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const key = event.key.toLowerCase();
    if (document.querySelector("[data-rect-row]") && (key === "j" || key === "k")) {
      event.preventDefault();
      move(key === "j" ? 1 : -1);
      return;
    }
    if (key === "r") {
      const button = document.querySelector("[data-rect-return]");
      const comment = button && button.form.querySelector("[name=comment]");
      if (comment) {
        event.preventDefault();
        comment.focus();
      }
      return;
    }
    const target = document.querySelector(`[data-key="${key}"]`);
    if (target) {
      event.preventDefault();
      target.click();
    }
  });
})();
