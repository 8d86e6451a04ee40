// Copy buttons: a readonly input ([data-copy-source]) and its button ([data-copy-button]) inside
// a [data-copy] block. Without JavaScript the button stays hidden and the input can be selected.
(() => {
  const select = (input) => {
    input.focus();
    input.select();
    input.setSelectionRange(0, input.value.length);
  };
  const copy = async (input) => {
    try {
      await navigator.clipboard.writeText(input.value);
      return true;
    } catch {
      // No clipboard API (plain http, an old browser): select it and try the legacy command.
      select(input);
      try {
        return document.execCommand("copy");
      } catch {
        return false;
      }
    }
  };
  document.querySelectorAll("[data-copy]").forEach((block) => {
    const input = block.querySelector("[data-copy-source]");
    const button = block.querySelector("[data-copy-button]");
    const status = block.querySelector("[data-copy-status]");
    if (!input || !button) return;
    button.hidden = false;
    input.addEventListener("focus", () => input.select());
    button.addEventListener("click", async () => {
      const done = await copy(input);
      if (status) {
        status.textContent = done ? "Link copied." : "Select the link and copy it (Ctrl+C or ⌘C).";
        status.classList.toggle("text-success", done);
        status.classList.toggle("text-body-secondary", !done);
      }
      if (!done) select(input);
    });
  });
})();
