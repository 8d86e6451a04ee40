// The AI interviewer's chat: Enter sends (Shift+Enter is a new line), a live character count,
// and the reply box keeps the focus after each exchange. The chat works without this file:
// the form posts and the page reloads.
(() => {
  "use strict";

  const counters = (root) => {
    // Enter only sends with this file loaded: say so only then.
    root.querySelectorAll("[data-chat-keys]").forEach((hint) => {
      hint.hidden = false;
    });
    root.querySelectorAll("[data-chat-input]").forEach((field) => {
      const out = root.querySelector("[data-chat-count]");
      if (!out) return;
      const limit = Number(out.dataset.limit);
      const update = () => {
        out.textContent = `${field.value.length} / ${limit}`;
      };
      field.addEventListener("input", update);
      update();
    });
  };

  const focusReply = () => {
    const field = document.querySelector("[data-chat-input]");
    if (field) {
      field.focus();
      field.setSelectionRange(field.value.length, field.value.length);
    }
  };

  document.addEventListener("keydown", (event) => {
    const field = event.target.closest?.("[data-chat-input]");
    if (!field || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    if (!field.value.trim()) return;
    field.form.requestSubmit();
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    const composer = document.getElementById("chat-composer");
    if (!composer) return;
    counters(composer);
    if (event.detail.target?.id === "chat-log" || event.detail.target?.id === "chat-composer") {
      focusReply();
      composer.scrollIntoView({ block: "end" });
    }
  });

  const start = () => {
    const composer = document.getElementById("chat-composer");
    if (!composer) return;
    counters(composer);
    composer.scrollIntoView({ block: "end" });
    focusReply();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
