// The review page's players: clicking a transcript line seeks the recording to it and plays;
// while the recording plays, the current line is highlighted. Lines are buttons, so the
// keyboard works as well as the mouse. Without this file the players and transcripts still show.
(() => {
  const ACTIVE = ["active", "bg-warning-subtle", "fw-semibold"];

  const setup = (player) => {
    if (player.dataset.reviewReady) return;
    player.dataset.reviewReady = "1";
    const media = player.querySelector("[data-review-media]");
    const lines = [...player.querySelectorAll("button[data-start]")].filter(
      (line) => line.dataset.start !== "",
    );
    if (!media || !lines.length) return;
    const starts = lines.map((line) => parseFloat(line.dataset.start));
    const ends = lines.map((line, i) => {
      const end = parseFloat(line.dataset.end);
      return Number.isNaN(end) ? (starts[i + 1] ?? Infinity) : end;
    });
    let current = -1;

    const highlight = (index) => {
      if (index === current) return;
      if (current >= 0) {
        lines[current].classList.remove(...ACTIVE);
        lines[current].removeAttribute("aria-current");
      }
      current = index;
      if (index >= 0) {
        lines[index].classList.add(...ACTIVE);
        lines[index].setAttribute("aria-current", "true");
      }
    };

    const lineAt = (time) => {
      // The last line that has started; a gap after its end keeps it lit until the next one.
      let found = -1;
      for (let i = 0; i < starts.length; i += 1) {
        if (starts[i] <= time + 0.05) found = i;
      }
      if (found >= 0 && time > ends[found] + 1 && found === starts.length - 1) return -1;
      return found;
    };

    media.addEventListener("timeupdate", () => highlight(lineAt(media.currentTime)));
    media.addEventListener("seeked", () => highlight(lineAt(media.currentTime)));
    lines.forEach((line, index) => {
      line.addEventListener("click", () => {
        media.currentTime = starts[index];
        highlight(index);
        const playing = media.play();
        if (playing && playing.catch) playing.catch(() => {});
      });
    });
  };

  const init = (root) => root.querySelectorAll("[data-review-player]").forEach(setup);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => init(document));
  } else {
    init(document);
  }
  document.addEventListener("htmx:load", (event) => init(event.target));
})();
