// The answer player's speed buttons (0.75x to 2x): each sets the recording's playbackRate and
// shows which one is on (aria-pressed). Buttons, so the keyboard works as well as a finger.
// Without this file the buttons stay hidden and the browser's own controls still play the
// answer. The player partial loads it once per player: only the first copy runs.
(() => {
  if (window.panelistPlayer) return;
  window.panelistPlayer = true;
  const setup = (player) => {
    if (player.dataset.playerReady) return;
    player.dataset.playerReady = "1";
    const media = player.querySelector("[data-player-media]");
    const group = player.querySelector("[data-player-speed]");
    if (!media || !group) return;
    const buttons = [...group.querySelectorAll("button[data-rate]")];
    const show = (rate) => {
      buttons.forEach((button) => {
        button.setAttribute("aria-pressed", String(parseFloat(button.dataset.rate) === rate));
      });
    };
    buttons.forEach((button) => {
      button.addEventListener("click", () => {
        const rate = parseFloat(button.dataset.rate);
        media.playbackRate = rate;
        media.defaultPlaybackRate = rate;
        show(rate);
      });
    });
    // Loading a new source resets the rate: keep the chosen one.
    media.addEventListener("loadedmetadata", () => {
      const pressed = group.querySelector('button[aria-pressed="true"]');
      if (pressed) media.playbackRate = parseFloat(pressed.dataset.rate);
    });
    media.addEventListener("ratechange", () => show(media.playbackRate));
    group.hidden = false;
  };

  const init = (root) => root.querySelectorAll("[data-answer-player]").forEach(setup);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => init(document));
  } else {
    init(document);
  }
  document.addEventListener("htmx:afterSwap", (event) => init(event.target));
})();
