// Record an audio prompt in the browser and hand it to the upload form's file input.
// Progressive enhancement: without this file (or without MediaRecorder) the plain file
// input and its form work as they are.
(() => {
  const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
  const EXTENSIONS = { "audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a" };

  const supported = () =>
    "MediaRecorder" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia &&
    "DataTransfer" in window;

  const clock = (ms) => {
    const s = Math.floor(ms / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  };

  function enhance(form) {
    const box = form.querySelector("[data-recorder]");
    const input = form.querySelector("input[type=file]");
    if (!box || !input || !supported()) return;
    const start = box.querySelector("[data-recorder-start]");
    const stop = box.querySelector("[data-recorder-stop]");
    const status = box.querySelector("[data-recorder-status]");
    const preview = box.querySelector("[data-recorder-preview]");
    let recorder = null;
    let timer = null;
    box.hidden = false;

    start.addEventListener("click", async () => {
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (error) {
        status.textContent = "The microphone is not available: allow it in the browser, or upload a file.";
        return;
      }
      const mimeType = TYPES.find((type) => MediaRecorder.isTypeSupported(type)) || "";
      recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
      const chunks = [];
      const began = Date.now();
      recorder.addEventListener("dataavailable", (event) => {
        if (event.data.size) chunks.push(event.data);
      });
      recorder.addEventListener("stop", () => {
        clearInterval(timer);
        stream.getTracks().forEach((track) => track.stop());
        const type = (recorder.mimeType || "audio/webm").split(";")[0];
        const file = new File(chunks, `recording.${EXTENSIONS[type] || "webm"}`, { type });
        const files = new DataTransfer();
        files.items.add(file);
        input.files = files.files;
        preview.src = URL.createObjectURL(file);
        preview.hidden = false;
        start.hidden = false;
        stop.hidden = true;
        start.textContent = "Record again";
        status.textContent = `Recorded ${clock(Date.now() - began)}. Listen, then press “Upload recording”.`;
      });
      recorder.start(1000);
      start.hidden = true;
      stop.hidden = false;
      stop.focus();
      status.textContent = "Recording… 0:00";
      timer = setInterval(() => {
        status.textContent = `Recording… ${clock(Date.now() - began)}`;
      }, 500);
    });

    stop.addEventListener("click", () => {
      if (recorder && recorder.state !== "inactive") recorder.stop();
    });
  }

  const init = () => document.querySelectorAll("form[data-recorder-form]").forEach(enhance);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
