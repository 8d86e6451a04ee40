// The AI interviewer's chat: the Send button and Ctrl/Cmd+Enter send everywhere; Enter sends
// only with a fine pointer (a desktop, where Shift+Enter is the new line). On a touch screen
// Return makes a new line, as on every phone keyboard, so half an answer is never sent by
// mistake. A live character count, and the reply box keeps the focus after each exchange.
// The chat works without this file: the form posts and the page reloads.
(() => {
  "use strict";

  const touch = () => window.matchMedia("(pointer: coarse)").matches;

  const counters = (root) => {
    // The keys only do this with this file loaded: say so only then, and for this device.
    const keys = touch() ? "newline" : "send";
    root.querySelectorAll("[data-chat-keys]").forEach((hint) => {
      hint.hidden = hint.dataset.chatKeys !== keys;
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
    if (!field || event.key !== "Enter" || event.isComposing) return;
    const send = event.ctrlKey || event.metaKey || (!event.shiftKey && !event.altKey && !touch());
    if (!send) return; // the browser's own new line
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
