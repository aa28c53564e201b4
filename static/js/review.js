// Review workbench: keyboard shortcuts and showing the score/status inputs only for "adjust".
// A 认可 · D 调整 · E 需补充材料 · J 下一个未评审 · K 上一项 · ] 下一项 (never while typing).
"use strict";

(function () {
  function typing(el) {
    return el && (el.tagName === "INPUT" && !["radio", "checkbox"].includes(el.type)
      || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function syncAdjust(form) {
    const adjust = form.querySelector("input[name=verdict][value=adjust]");
    form.querySelectorAll("[data-adjust-only]").forEach((box) => {
      box.classList.toggle("d-none", !(adjust && adjust.checked));
    });
  }

  function choose(value) {
    const form = document.querySelector("[data-verdict-form]");
    const radio = form && form.querySelector(`input[name=verdict][value=${value}]`);
    if (!radio || radio.disabled || form.querySelector("fieldset[disabled]")) return;
    radio.checked = true;
    syncAdjust(form);
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    if (value === "adjust") {
      const input = form.querySelector("[name=score], [name=status]");
      if (input) input.focus();
    } else if (value === "more_evidence") {
      form.querySelector("[name=comment]").focus();
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-verdict-form], form:has([name=consolidate])").forEach(syncAdjust);
  });
  document.addEventListener("change", (event) => {
    const form = event.target.closest && event.target.closest("form");
    if (form && event.target.name === "verdict") syncAdjust(form);
  });
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const key = event.key.toLowerCase();
    const verdicts = { a: "accept", d: "adjust", e: "more_evidence" };
    if (verdicts[key]) {
      event.preventDefault();
      choose(verdicts[key]);
      return;
    }
    const link = document.querySelector(`[data-key="${key === "n" ? "j" : key}"]`);
    if (link) {
      event.preventDefault();
      link.click();
    }
  });
})();
