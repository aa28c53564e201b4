// Behaviour that used to live in inline handlers: the Content-Security-Policy allows no inline
// script (script-src 'self'), so templates mark elements with data-* attributes and this file
// wires them up — on page load and after every htmx swap.
"use strict";

// htmx must never evaluate strings from the page (hx-on, hx-vars, js: values): nothing uses it,
// and CSP would refuse it anyway.
if (window.htmx) {
  htmx.config.allowEval = false;
  htmx.config.includeIndicatorStyles = false;
}

function fieldClasses(root) {
  // <template data-field-classes="selector">: give Django's plain widgets Bootstrap's classes.
  root.querySelectorAll("[data-field-classes]").forEach((marker) => {
    document.querySelectorAll(marker.dataset.fieldClasses).forEach((el) => {
      el.classList.add(el.tagName === "SELECT" ? "form-select" : "form-control");
    });
  });
}

document.addEventListener("DOMContentLoaded", () => fieldClasses(document));
document.addEventListener("htmx:afterSwap", (event) => fieldClasses(event.target));

// <button data-confirm="…">: ask before submitting.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
  const clear = event.target.closest("[data-clear-closest]");
  if (clear) {
    const target = clear.closest(clear.dataset.clearClosest);
    if (target) target.replaceChildren();
  }
});

// <form data-disable-on-submit>: one click, one submission.
document.addEventListener("submit", (event) => {
  if (event.target.matches("[data-disable-on-submit]")) {
    event.target.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  }
});

// <select data-autosubmit>: the language switcher.
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]") && event.target.form) {
    event.target.form.submit();
  }
});

// <form data-upload-progress>: the evidence upload progress bar.
document.addEventListener("htmx:xhr:progress", (event) => {
  const form = event.target.closest && event.target.closest("[data-upload-progress]");
  const detail = event.detail;
  if (!form || !detail.total) return;
  const value = Math.round((detail.loaded * 100) / detail.total);
  const bar = form.querySelector(".progress");
  bar.classList.remove("d-none");
  bar.setAttribute("aria-valuenow", value);
  bar.firstElementChild.style.width = `${value}%`;
  bar.firstElementChild.textContent = `${value}%`;
});
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.target.closest && event.target.closest("[data-upload-progress]");
  if (!form || !form.isConnected) return;
  form.querySelector(".progress").classList.add("d-none");
  form.reset();
});
