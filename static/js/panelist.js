// Small progressive enhancements; every page works without this file.
(() => {
  // Forms with data-confirm ask before submitting.
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A long plain submit (a large upload) says it is under way and cannot be sent twice.
  document.addEventListener("submit", (event) => {
    if (event.defaultPrevented) return;
    const button = event.target.querySelector("button[type=submit][data-loading-text]");
    if (!button) return;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.innerHTML = '<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>';
    button.append(button.dataset.loadingText);
  });

  // Drag and drop for ordered lists (.sortable). Sortable fires a bubbling "end" event,
  // which the enclosing htmx form takes as its trigger to post the new order.
  const initSortables = (root) => {
    if (!window.Sortable) return;
    const lists = [...root.querySelectorAll(".sortable")];
    if (root.matches?.(".sortable")) lists.push(root);
    lists.forEach((list) => {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "1";
      window.Sortable.create(list, {
        handle: ".drag-handle",
        animation: 150,
        ghostClass: "sortable-ghost",
      });
    });
  };

  // Modals fetched by htmx into #modal-container open themselves; a new one replaces the old.
  const showModals = (root) => {
    if (!window.bootstrap) return;
    const found = [...root.querySelectorAll("[data-show-on-load]")];
    if (root.matches?.("[data-show-on-load]")) found.push(root);
    found.forEach((el) => {
      window.bootstrap.Modal.getOrCreateInstance(el).show();
    });
  };
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target?.id !== "modal-container" || !window.bootstrap) return;
    event.detail.target.querySelectorAll(".modal").forEach((el) => {
      window.bootstrap.Modal.getInstance(el)?.dispose();
    });
    document.querySelectorAll(".modal-backdrop").forEach((el) => el.remove());
    document.body.classList.remove("modal-open");
    document.body.style.removeProperty("overflow");
    document.body.style.removeProperty("padding-right");
  });

  // Row selection for bulk actions: "select all" and a live count.
  const updateCount = () => {
    const counter = document.querySelector("[data-selected-count]");
    if (!counter) return;
    const n = document.querySelectorAll("input.row-select:checked").length;
    counter.textContent = n ? `${n} selected` : "";
  };
  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-select-all]")) {
      document.querySelectorAll("input.row-select").forEach((box) => {
        box.checked = event.target.checked;
      });
    }
    if (event.target.matches("[data-select-all], input.row-select")) updateCount();
  });

  const init = (root) => {
    initSortables(root);
    showModals(root);
    updateCount();
  };
  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", () => init(document));
  }
})();
