// The framework page: search the tree, expand/collapse all (moved out of the template for CSP).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const input = document.getElementById("node-search");
  const count = document.getElementById("search-count");
  const none = document.getElementById("no-match");
  const dims = [...document.querySelectorAll(".fw-dim")];
  const setOpen = (dim, open) => {
    const body = dim.querySelector(".collapse");
    bootstrap.Collapse.getOrCreateInstance(body, { toggle: false })[open ? "show" : "hide"]();
  };
  document.getElementById("expand-all").onclick = () => dims.forEach(d => setOpen(d, true));
  document.getElementById("collapse-all").onclick = () => dims.forEach(d => setOpen(d, false));
  document.querySelectorAll('[data-bs-toggle="tooltip"]').forEach(el => new bootstrap.Tooltip(el));
  let timer;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(filter, 150); });
  function hit(el, q) { return el.dataset.search.toLowerCase().includes(q); }
  function filter() {
    const q = input.value.trim().toLowerCase();
    let shown = 0;
    dims.forEach(dim => {
      const dimHit = !q || hit(dim, q);
      let dimVisible = dimHit;
      dim.querySelectorAll(".fw-sub").forEach(sub => {
        const subHit = dimHit || hit(sub, q);
        let subVisible = subHit;
        sub.querySelectorAll(".fw-item").forEach(item => {
          const ok = subHit || hit(item, q);
          item.classList.toggle("d-none", !ok);
          if (ok) { subVisible = true; if (q) shown++; }
        });
        sub.classList.toggle("d-none", !subVisible);
        if (subVisible) dimVisible = true;
      });
      dim.classList.toggle("d-none", !dimVisible);
      if (q && dimVisible) setOpen(dim, true);
    });
    none.classList.toggle("d-none", !q || dims.some(d => !d.classList.contains("d-none")));
    count.textContent = q ? `${input.dataset.countLabel}${shown}` : "";
  }
});
