// Behaviour that used to live in inline handlers: the Content-Security-Policy allows no inline
// script (script-src 'self'), so templates mark elements with data-* attributes and this file
// wires them up — on page load and after every htmx swap.
"use strict";

// htmx must never evaluate strings from the page (hx-on, hx-vars, js: values): nothing uses it,
// and CSP would refuse it anyway.
// Interface strings go through Django's JavaScript catalog (loaded before this file); without it the
// Chinese source text is shown.
const gettext = window.gettext || ((text) => text);
const interpolate =
  window.interpolate || ((text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key])));

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

// Autosave (<form data-autosave hx-post=… hx-target=…>: a school's answers, a reviewer's verdict).
// The badge in the form's hx-target says 「已保存」 only for what the server answered as saved (its
// X-Save-Status header). Any other outcome — an error status such as a 500 while the database is
// away, no connection, no answer within 15 s, a login page instead of the save — shows 「未保存」 with
// the reason; htmx swaps nothing, so the typed text stays in the form, and the save is tried again
// with a growing delay (2 s … 30 s) until the server takes it. Leaving the page while something typed
// is not saved asks first (beforeunload). Invalid input and conflicts (400/409, answered with
// X-Save-Status) are shown by the server's own fragment and wait for the user.
// The strings are Chinese only: this file has no translation catalogue.
(function () {
  const TIMEOUT_MS = 15000;
  const RETRY_DELAYS_MS = [2000, 4000, 8000, 15000, 30000];
  const states = new WeakMap();

  function autosaveForm(el) {
    return el && el.closest ? el.closest("form[data-autosave]") : null;
  }

  function values(form) {
    const data = new FormData(form);
    data.delete("version");
    data.delete("csrfmiddlewaretoken");
    return new URLSearchParams(data).toString();
  }

  function badgeBox(form) {
    return document.querySelector(form.getAttribute("hx-target"));
  }

  function state(form) {
    let s = states.get(form);
    if (!s) {
      const marked = badgeBox(form) && badgeBox(form).querySelector("[data-testid]");
      s = {
        saved: values(form), // what the server has
        sending: null, // what the request in flight carries
        failed: false,
        retries: 0,
        timer: null,
        testid: marked ? marked.dataset.testid : "save-state",
      };
      states.set(form, s);
    }
    return s;
  }

  function unsaved(form) {
    const s = states.get(form);
    return Boolean(s) && (s.failed || values(form) !== s.saved);
  }

  function showBadge(form, { failed, text, reason }) {
    const box = badgeBox(form);
    if (!box) return;
    const badge = document.createElement("span");
    badge.className = failed ? "badge text-bg-danger" : "badge text-bg-light border text-secondary";
    badge.dataset.testid = state(form).testid;
    badge.textContent = text;
    const parts = [badge];
    if (reason) {
      const why = document.createElement("span");
      why.className = "small text-danger ms-1";
      why.dataset.testid = "save-error";
      why.setAttribute("role", "alert");
      why.textContent = reason;
      const now = document.createElement("button");
      now.type = "button";
      now.className = "btn btn-link btn-sm p-0 ms-1 align-baseline";
      now.textContent = gettext("立即重试");
      now.addEventListener("click", () => resend(form));
      parts.push(why, now);
    }
    box.replaceChildren(...parts);
  }

  function resend(form) {
    const s = state(form);
    clearTimeout(s.timer);
    s.timer = null;
    if (form.isConnected) htmx.trigger(form, "change");
  }

  function fail(form, reason, retry) {
    const s = state(form);
    s.failed = true;
    clearTimeout(s.timer);
    s.timer = null;
    let next = "";
    if (retry) {
      const delay = RETRY_DELAYS_MS[Math.min(s.retries, RETRY_DELAYS_MS.length - 1)];
      s.retries += 1;
      s.timer = setTimeout(() => resend(form), delay);
      next = interpolate(gettext("，%(s)s 秒后自动重试（您输入的内容仍保留在页面上）"), { s: Math.round(delay / 1000) }, true);
    } else {
      next = gettext("。您输入的内容仍保留在页面上，请复制保存后刷新页面");
    }
    showBadge(form, { failed: true, text: gettext("未保存"), reason: reason + next });
  }

  function reasonFor(status) {
    if (status >= 500) return [interpolate(gettext("服务器暂时无法保存（错误 %(status)s）"), { status }, true), true];
    if (status === 413) return [gettext("内容过大，无法保存"), false];
    if (status === 429) return [gettext("请求过于频繁"), true];
    if (status === 401 || status === 403) return [gettext("登录已过期或页面已失效，请在新标签页中重新登录"), true];
    if (status === 404) return [gettext("条目不存在或您已无权修改（错误 404）"), false];
    return [interpolate(gettext("无法保存（错误 %(status)s）"), { status }, true), false];
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-autosave]").forEach(state);
  });
  document.addEventListener("htmx:load", (event) => {
    event.target.querySelectorAll && event.target.querySelectorAll("form[data-autosave]").forEach(state);
  });

  for (const type of ["input", "change"]) {
    document.addEventListener(type, (event) => {
      const form = autosaveForm(event.target);
      if (form && !state(form).failed && values(form) !== state(form).saved) {
        showBadge(form, { failed: false, text: gettext("保存中…") });
      }
    });
  }

  document.addEventListener("htmx:configRequest", (event) => {
    const form = autosaveForm(event.detail.elt);
    if (!form) return;
    event.detail.timeout = TIMEOUT_MS;
    // after logging in again in another tab the page's token is stale; the cookie has the new one
    const token = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    if (token) event.detail.headers["X-CSRFToken"] = decodeURIComponent(token.split("=")[1]);
  });

  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = autosaveForm(event.detail.elt);
    if (!form) return;
    const s = state(form);
    clearTimeout(s.timer);
    s.timer = null;
    s.sending = values(form);
    if (s.failed) {
      const why = badgeBox(form) && badgeBox(form).querySelector("[data-testid=save-error]");
      if (why) why.textContent = gettext("正在重试保存…");
    }
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    const form = autosaveForm(event.detail.elt);
    const xhr = event.detail.xhr;
    if (form && xhr.status < 300 && !xhr.getResponseHeader("X-Save-Status")) {
      event.detail.shouldSwap = false; // not the save's answer: the login page of an expired session
    }
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const form = autosaveForm(event.detail.elt);
    if (!form) return;
    const s = state(form);
    const xhr = event.detail.xhr;
    const saveStatus = xhr.getResponseHeader("X-Save-Status");
    if (xhr.status === 0) return; // no answer: htmx:timeout / htmx:sendError follow
    if (xhr.status < 300 && saveStatus) {
      s.failed = false;
      if (saveStatus === "200") {
        s.retries = 0;
        s.saved = s.sending;
        if (values(form) !== s.saved) showBadge(form, { failed: false, text: gettext("保存中…") });
      }
      return; // a refusal (400/409) is shown by the server's fragment
    }
    if (xhr.status < 300) {
      fail(form, gettext("登录已过期，请在新标签页中重新登录"), true);
      return;
    }
    const [reason, retry] = reasonFor(xhr.status);
    fail(form, reason, retry);
  });

  document.addEventListener("htmx:timeout", (event) => {
    const form = autosaveForm(event.detail.elt);
    if (form) fail(form, interpolate(gettext("服务器在 %(s)s 秒内没有响应"), { s: TIMEOUT_MS / 1000 }, true), true);
  });
  document.addEventListener("htmx:sendError", (event) => {
    const form = autosaveForm(event.detail.elt);
    if (form) fail(form, gettext("网络连接中断，或服务器无法访问"), true);
  });

  window.addEventListener("online", () => {
    document.querySelectorAll("form[data-autosave]").forEach((form) => {
      if (state(form).failed) resend(form);
    });
  });

  window.addEventListener("beforeunload", (event) => {
    const forms = document.querySelectorAll("form[data-autosave]");
    if (Array.from(forms).some(unsaved)) {
      event.preventDefault();
      event.returnValue = ""; // older browsers need it set to show the dialog
    }
  });
})();
