// The review page at speed. Keyboard shortcuts (listed behind "?"): n/j next candidate, p/k
// previous, Space play/pause, 1-5 rate the focused criterion (else the first unrated one),
// Ctrl/Cmd+Enter submit the scorecard. On a phone, the answers and the scorecard become two
// tabs in a bar at the bottom of the screen. Without this file the page works as before.
(() => {
  const PHONE = window.matchMedia("(max-width: 991.98px)");
  let lastMedia = null;

  const CHOICES = ["radio", "checkbox", "button", "submit", "reset"];
  const typing = (el) =>
    el instanceof HTMLElement &&
    (el.isContentEditable ||
      ["TEXTAREA", "SELECT"].includes(el.tagName) ||
      (el.tagName === "INPUT" && !CHOICES.includes(el.type)));

  const follow = (rel) => {
    const link = document.querySelector(`.review-nav a[rel="${rel}"]`);
    if (link) {
      window.location.assign(link.href);
      return;
    }
    // Walking the queue there is no "previous" link (a rated candidate has left the queue):
    // go back to the review this one was reached from.
    const from = document.referrer ? new URL(document.referrer) : null;
    if (rel === "prev" && from && from.origin === window.location.origin &&
        /\/review\/$/.test(from.pathname)) {
      window.history.back();
    }
  };

  const onScreen = (el) => {
    const box = el.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight && box.height > 0;
  };

  const togglePlay = () => {
    const all = [...document.querySelectorAll("[data-review-media]")];
    const media = lastMedia && document.contains(lastMedia)
      ? lastMedia
      : all.find(onScreen) || all[0];
    if (!media) return;
    lastMedia = media;
    if (media.paused) {
      const playing = media.play();
      if (playing && playing.catch) playing.catch(() => {});
    } else {
      media.pause();
    }
  };

  const rate = (value) => {
    const criteria = [...document.querySelectorAll('#scorecard [data-testid="criterion"]')];
    if (!criteria.length) return;
    const focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest('[data-testid="criterion"]')
      : null;
    const target = focused || criteria.find((c) => !c.querySelector("input[type=radio]:checked"));
    if (!target) return;
    const radio = target.querySelector(`input[type=radio][value="${value}"]`);
    if (!radio) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    radio.focus();
  };

  const submit = () => {
    const form = document.querySelector("#scorecard form");
    const button = form && form.querySelector('button[name="action"][value="submit"]');
    // A click, not requestSubmit(): htmx sends the clicked button's name and value.
    if (button) button.click();
  };

  const help = () => {
    const dialog = document.getElementById("shortcuts-dialog");
    if (!dialog || !window.bootstrap) return;
    const opener = document.activeElement;
    dialog.addEventListener(
      "hidden.bs.modal",
      () => { if (opener && opener.focus) opener.focus(); },
      { once: true },
    );
    window.bootstrap.Modal.getOrCreateInstance(dialog).show();
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (document.querySelector(".modal.show") && event.key !== "?") return;
    const key = event.key;
    if (key === "n" || key === "j") follow("next");
    else if (key === "p" || key === "k") follow("prev");
    else if (key === " " && !(event.target instanceof HTMLButtonElement || event.target instanceof HTMLAnchorElement || event.target instanceof HTMLMediaElement)) togglePlay();
    else if (/^[1-5]$/.test(key)) rate(key);
    else if (key === "?") help();
    else return;
    event.preventDefault();
  });

  document.addEventListener("play", (event) => { lastMedia = event.target; }, true);

  // Phone tabs.
  const tabs = () => {
    const bar = document.querySelector("[data-review-tabs]");
    const layout = document.querySelector("[data-review-layout]");
    if (!bar || !layout) return;
    const buttons = [...bar.querySelectorAll('[role="tab"]')];
    const panels = {
      answers: document.getElementById("review-answers"),
      scorecard: document.getElementById("review-scorecard"),
    };
    const show = (view, focus) => {
      layout.dataset.view = view;
      buttons.forEach((b) => {
        const on = b.dataset.view === view;
        b.setAttribute("aria-selected", on ? "true" : "false");
        b.tabIndex = on ? 0 : -1;
        if (on && focus) b.focus();
      });
      window.scrollTo({ top: layout.getBoundingClientRect().top + window.scrollY - 8 });
    };
    const apply = () => {
      const phone = PHONE.matches;
      bar.hidden = !phone;
      document.body.classList.toggle("review-has-tabs", phone);
      layout.classList.toggle("review-tabbed", phone);
      Object.entries(panels).forEach(([view, panel]) => {
        if (!panel) return;
        if (phone) {
          panel.setAttribute("role", "tabpanel");
          panel.setAttribute("aria-labelledby", `tab-${view}`);
        } else {
          panel.removeAttribute("role");
          panel.removeAttribute("aria-labelledby");
        }
      });
    };
    buttons.forEach((b) => b.addEventListener("click", () => show(b.dataset.view, false)));
    bar.addEventListener("keydown", (event) => {
      if (!["ArrowLeft", "ArrowRight"].includes(event.key)) return;
      const current = buttons.findIndex((b) => b.getAttribute("aria-selected") === "true");
      const next = (current + (event.key === "ArrowRight" ? 1 : -1) + buttons.length) % buttons.length;
      show(buttons[next].dataset.view, true);
      event.preventDefault();
    });
    // A scorecard saved with errors comes back in the scorecard tab.
    if (document.querySelector("#scorecard .is-invalid")) layout.dataset.view = "scorecard";
    apply();
    PHONE.addEventListener("change", apply);
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", tabs);
  else tabs();
})();
