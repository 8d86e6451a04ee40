// Message templates: a variable button inserts "{name}" where the cursor was in the subject
// or message, then lets htmx refresh the preview (an "input" event).
(function () {
  "use strict";
  let last = null;
  document.addEventListener("focusin", function (event) {
    const el = event.target;
    if (el.matches && el.matches("#template-form input[name=subject], #template-form textarea[name=body]")) {
      last = el;
    }
  });
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-insert]");
    if (!button) return;
    const field = last || document.querySelector("#template-form textarea[name=body]");
    if (!field) return;
    const text = button.getAttribute("data-insert");
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? field.value.length;
    field.value = field.value.slice(0, start) + text + field.value.slice(end);
    field.focus();
    field.setSelectionRange(start + text.length, start + text.length);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
