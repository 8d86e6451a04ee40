// The candidate runner: device check, recording with resumable upload, character counters.
// Recordings are uploaded while they are being made (tus, deferred length) and every chunk is
// also kept in IndexedDB until the server has all of it, so neither a dropped connection nor a
// closed tab loses an answer. Pages work without this file except for recording itself.
(() => {
  "use strict";

  // ------------------------------------------------------------------ character counters
  document.querySelectorAll("[data-counter]").forEach((field) => {
    const out = document.getElementById(field.dataset.counter);
    if (!out) return;
    const limit = Number(out.dataset.limit);
    const update = () => {
      out.textContent = `${field.value.length} / ${limit}`;
    };
    field.addEventListener("input", update);
    update();
  });

  // ------------------------------------------------------------------ integrity facts
  // Only on a question page of an interview that notes them, for a candidate who was told on
  // the consent page (the server renders data-integrity then, and refuses reports otherwise):
  // how long the page was hidden while this question was on screen, and how many characters
  // were pasted into the written answer. Numbers only: never what was pasted, never a key.
  const integrity = document.querySelector("[data-integrity]");
  if (integrity) {
    const report = (fields) => {
      const body = new URLSearchParams(fields);
      fetch(integrity.dataset.integrity, {
        method: "POST",
        body,
        credentials: "same-origin",
        keepalive: true,
        headers: { "X-CSRFToken": integrity.dataset.csrf },
      }).catch(() => {});
    };
    let hiddenAt = document.visibilityState === "hidden" ? Date.now() : null;
    const shown = () => {
      if (hiddenAt === null) return;
      const seconds = Math.round((Date.now() - hiddenAt) / 1000);
      hiddenAt = null;
      if (seconds >= 1) report({ kind: "page_hidden", seconds: String(seconds) });
    };
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") hiddenAt = Date.now();
      else shown();
    });
    // Leaving for good while hidden (the tab closed): report what was seen so far.
    window.addEventListener("pagehide", shown);
    const answer = integrity.querySelector("textarea");
    if (answer) {
      answer.addEventListener("paste", (event) => {
        const text = event.clipboardData ? event.clipboardData.getData("text") : "";
        if (text.length) report({ kind: "paste", characters: String(text.length) });
      });
    }
  }

  const pickMimeType = (video) => {
    const types = video
      ? ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"]
      : ["audio/webm;codecs=opus", "audio/webm", "audio/mp4", "audio/ogg"];
    return types.find((t) => window.MediaRecorder && MediaRecorder.isTypeSupported(t)) || "";
  };

  const levelMeter = (stream, meter) => {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx || !meter) return () => {};
    const ctx = new Ctx();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    ctx.createMediaStreamSource(stream).connect(analyser);
    const data = new Uint8Array(analyser.fftSize);
    let running = true;
    const tick = () => {
      if (!running) return;
      analyser.getByteTimeDomainData(data);
      let sum = 0;
      for (const v of data) sum += ((v - 128) / 128) ** 2;
      meter.value = Math.min(1, Math.sqrt(sum / data.length) * 4);
      requestAnimationFrame(tick);
    };
    tick();
    return () => {
      running = false;
      ctx.close();
    };
  };

  // ------------------------------------------------------------------ device check
  const device = document.querySelector("[data-device-check]");
  if (device) {
    const wantVideo = device.dataset.video === "1";
    const show = (state) => {
      device.querySelectorAll("[data-state]").forEach((el) => {
        el.hidden = el.dataset.state !== state;
      });
    };
    const cont = document.querySelector("[data-continue]");
    const ask = device.querySelector("[data-action=request-devices]");
    // Rendered disabled: a tap before this script ran would be lost and leave the check stuck.
    ask.disabled = false;
    ask.addEventListener("click", async () => {
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: wantVideo });
        show("ready");
        const preview = device.querySelector("[data-preview]");
        if (preview) preview.srcObject = stream;
        levelMeter(stream, device.querySelector("[data-level]"));
        if (cont) cont.disabled = false;
      } catch (err) {
        show("denied");
        device.querySelector("[data-error-detail]").textContent = err && err.name ? `(${err.name})` : "";
      }
    });
  }

  // ------------------------------------------------------------------ chunk store (IndexedDB)
  // IndexedDB keeps only what it can clone: plain fields and the recorded blobs. The live tus
  // upload object stays in memory (storing it threw a DataCloneError and lost the resume URL).
  const DB_NAME = "panelist-recordings";
  const openDb = () =>
    new Promise((resolve) => {
      if (!window.indexedDB) return resolve(null);
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore("recordings", { keyPath: "key" });
        db.createObjectStore("chunks", { keyPath: ["key", "seq"] });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(null);
    });
  const tx = (db, store, mode, fn) =>
    new Promise((resolve) => {
      if (!db) return resolve(null);
      const t = db.transaction(store, mode);
      let result;
      try {
        result = fn(t.objectStore(store));
      } catch (err) {
        // Say so (the browser tests fail on it), but keep recording and uploading.
        console.error("Could not keep the recording on this device:", err);
        t.abort();
        resolve(null);
        return;
      }
      t.oncomplete = () => resolve(result && "result" in result ? result.result : null);
      t.onerror = () => resolve(null);
      // A full disk or a private window must not stop the upload itself.
      t.onabort = () => resolve(null);
    });
  // The one shape a recording has on disk; nothing else is ever handed to IndexedDB.
  const saved = (rec) => ({
    key: String(rec.key),
    question: String(rec.question || ""),
    attempt: String(rec.attempt || ""),
    mimeType: String(rec.mimeType || ""),
    video: Boolean(rec.video),
    finished: Boolean(rec.finished),
    url: rec.url ? String(rec.url) : null,
    offset: Number(rec.offset) || 0,
  });
  const store = {
    db: null,
    open() {
      this.db = this.db || openDb();
      return this.db;
    },
    async put(rec) {
      return tx(await this.open(), "recordings", "readwrite", (s) => s.put(saved(rec)));
    },
    async chunk(key, seq, blob) {
      return tx(await this.open(), "chunks", "readwrite", (s) => s.put({ key, seq, blob }));
    },
    async find(question) {
      const db = await this.open();
      if (!db) return null;
      return new Promise((resolve) => {
        const req = db.transaction("recordings").objectStore("recordings").getAll();
        req.onsuccess = () => resolve(req.result.find((r) => r.question === question) || null);
        req.onerror = () => resolve(null);
      });
    },
    async chunks(key) {
      const db = await this.open();
      if (!db) return [];
      return new Promise((resolve) => {
        const range = IDBKeyRange.bound([key, 0], [key, Number.MAX_SAFE_INTEGER]);
        const req = db.transaction("chunks").objectStore("chunks").getAll(range);
        req.onsuccess = () => resolve(req.result.sort((a, b) => a.seq - b.seq).map((c) => c.blob));
        req.onerror = () => resolve([]);
      });
    },
    async forget(key) {
      const db = await this.open();
      await tx(db, "recordings", "readwrite", (s) => s.delete(key));
      await tx(db, "chunks", "readwrite", (s) =>
        s.delete(IDBKeyRange.bound([key, 0], [key, Number.MAX_SAFE_INTEGER])),
      );
    },
  };

  // A tus file source that grows while recording: slices wait for bytes that are not there yet
  // and report `done` once the recording has stopped and everything was read.
  class GrowingSource {
    constructor(chunks = [], finished = false) {
      this.parts = [...chunks];
      this.finished = finished;
      this.waiters = [];
      this.size = null;
    }
    get length() {
      return this.parts.reduce((n, b) => n + b.size, 0);
    }
    push(blob) {
      this.parts.push(blob);
      this.wake();
    }
    finish() {
      this.finished = true;
      this.wake();
    }
    wake() {
      const waiters = this.waiters;
      this.waiters = [];
      waiters.forEach((w) => w());
    }
    async slice(start, end) {
      while (!this.finished && this.length < end) {
        await new Promise((resolve) => this.waiters.push(resolve));
      }
      const total = this.length;
      const whole = new Blob(this.parts);
      const stop = Math.min(end, total);
      const done = this.finished && stop >= total;
      return { value: whole.slice(Math.min(start, total), stop), done };
    }
    close() {}
  }

  const RETRY = [0, 1000, 2000, 4000, 8000];
  const OFFLINE = -1;
  const BUSY = -2;
  const statusOf = (err) => (err && err.originalResponse ? err.originalResponse.getStatus() : 0);

  // hooks: progress(sent | OFFLINE | BUSY, source), acked(offset) when the server has stored a
  // chunk, started(upload) with the live tus upload (kept in memory only).
  const startUpload = (box, source, rec, hooks) =>
    new Promise((resolve, reject) => {
      let upload;
      const options = {
        endpoint: box.dataset.uploadUrl,
        uploadUrl: rec.url || null,
        uploadLengthDeferred: true,
        chunkSize: rec.video ? 256 * 1024 : 32 * 1024,
        retryDelays: RETRY,
        storeFingerprintForResuming: false,
        headers: { "X-CSRFToken": box.dataset.csrf },
        metadata: {
          question: rec.question,
          attempt: String(rec.attempt),
          filetype: rec.mimeType,
          filename: `answer.${rec.mimeType.includes("mp4") ? "mp4" : "webm"}`,
        },
        fileReader: { openFile: () => Promise.resolve(source) },
        onUploadUrlAvailable: () => {
          rec.url = upload.url;
          store.put(rec);
        },
        onProgress: (sent) => hooks.progress(sent, source),
        onChunkComplete: (_size, accepted) => {
          rec.offset = accepted;
          store.put(rec);
          hooks.acked(accepted);
        },
        // tus-js-client's own rule (network errors, 5xx, 409 and 423 are retried while the
        // browser is online); a network error or 5xx also tells the candidate at once.
        onShouldRetry: (err) => {
          const status = statusOf(err);
          const online = typeof navigator === "undefined" || navigator.onLine !== false;
          const retry = (status < 400 || status >= 500 || status === 409 || status === 423) && online;
          if (!status || status >= 500) hooks.progress(OFFLINE, source);
          return retry;
        },
        onSuccess: () => resolve(upload),
        onError: (err) => {
          // The network is down or the server refused: keep the bytes and try again, forever,
          // unless the server said the recording itself is unacceptable (4xx other than 409/423).
          const status = statusOf(err);
          if (status >= 400 && status < 500 && status !== 409 && status !== 423 && status !== 429) {
            reject(err);
            return;
          }
          // 429: this link has too much in flight (earlier answers still uploading); wait.
          hooks.progress(status === 429 ? BUSY : OFFLINE, source);
          setTimeout(() => upload.start(), status === 429 ? 5000 : 3000);
        },
      };
      upload = new window.tus.Upload({ name: "answer" }, options);
      hooks.started(upload);
      upload.start();
    });

  // ------------------------------------------------------------------ the recorder
  class Recorder {
    constructor(box) {
      this.box = box;
      this.practice = box.dataset.practice === "1";
      this.video = box.dataset.video === "1";
      this.think = Number(box.dataset.think || 0);
      this.limit = Number(box.dataset.answer || 60);
      // An untimed answer (an accommodation) shows no countdown; it still stops at the ceiling.
      this.untimed = box.dataset.untimed === "1";
      this.retakesLeft = Number(box.dataset.retakes || 0);
      this.el = (sel) => box.querySelector(sel);
      this.status = this.el("[data-status]");
      this.timer = this.el("[data-timer]");
      this.buttons = {
        start: this.el("[data-action=start]"),
        stop: this.el("[data-action=stop]"),
        retake: this.el("[data-action=retake]"),
        next: this.el("[data-action=next]"),
      };
      this.buttons.start.addEventListener("click", () => this.start());
      this.buttons.stop.addEventListener("click", () => this.stop());
      this.buttons.retake.addEventListener("click", () => this.retake());
      if (this.buttons.next) this.buttons.next.addEventListener("click", () => this.next());
      this.uploaded = false;
      this.wantsNext = false;
      this.label = this.el("[data-upload-label]");
      this.uploadingText = this.label ? this.label.textContent : "";
    }

    // While thinking, recording and then choosing to keep the take, the status, the timer and the
    // buttons are docked to the bottom of the screen, so a phone shows Stop whatever the page's
    // scroll position (see panelist.css, "runner"). The practice page's next step is below the
    // recorder, so it undocks after the take.
    dock(on) {
      this.box.classList.toggle("is-docked", on);
      document.body.classList.toggle("recorder-docked", on);
    }

    say(text) {
      this.status.textContent = text;
    }

    showButtons(...names) {
      Object.entries(this.buttons).forEach(([name, btn]) => {
        if (btn) btn.hidden = !names.includes(name);
      });
    }

    async resumePending() {
      if (this.practice) return false;
      const rec = await store.find(this.box.dataset.question);
      if (!rec) return false;
      if (!rec.finished) {
        // Cut off mid-recording: that take is incomplete; record it again (not a retake).
        await store.forget(rec.key);
        return false;
      }
      this.say(this.box.dataset.msgResuming || "Finishing the upload of your answer…");
      const chunks = await store.chunks(rec.key);
      this.rec = rec;
      this.source = new GrowingSource(chunks, true);
      this.dock(true);
      this.showButtons("next");
      this.buttons.next.disabled = true;
      this.wantsNext = true;
      this.upload();
      return true;
    }

    startThink() {
      if (this.practice || this.think <= 0) return;
      this.dock(true);
      let left = this.think;
      const tick = () => {
        if (this.recording || this.stopped) return;
        this.say(`${this.box.dataset.msgThink || "Recording starts in"} ${left} s`);
        if (left <= 0) {
          this.start();
          return;
        }
        left -= 1;
        this.thinkTimer = setTimeout(tick, 1000);
      };
      tick();
    }

    async start() {
      clearTimeout(this.thinkTimer);
      if (this.recording) return;
      this.el("[data-error]").hidden = true;
      try {
        this.stream =
          this.stream ||
          (await navigator.mediaDevices.getUserMedia({ audio: true, video: this.video }));
      } catch (err) {
        this.fail(this.box.dataset.msgDenied || "We cannot use your camera or microphone. Allow access in your browser and try again.");
        return;
      }
      const live = this.el("[data-live]");
      if (live) {
        live.hidden = false;
        live.srcObject = this.stream;
        live.play().catch(() => {});
      }
      const review = this.el("[data-review]");
      review.hidden = true;
      const mimeType = pickMimeType(this.video);
      this.media = new MediaRecorder(this.stream, mimeType ? { mimeType } : undefined);
      const key = `${this.box.dataset.question || "practice"}-${Date.now()}`;
      this.rec = {
        key,
        question: this.box.dataset.question,
        attempt: this.box.dataset.attempt,
        mimeType: this.media.mimeType || mimeType || "video/webm",
        video: this.video,
        finished: false,
        url: null,
        offset: 0,
      };
      this.source = new GrowingSource();
      this.parts = [];
      let seq = 0;
      if (!this.practice) store.put(this.rec);
      this.media.ondataavailable = (event) => {
        if (!event.data || !event.data.size) return;
        this.parts.push(event.data);
        this.source.push(event.data);
        if (!this.practice) store.chunk(key, seq++, event.data);
      };
      this.media.onstop = () => this.stopped_();
      this.media.start(1000);
      this.recording = true;
      this.uploaded = false;
      this.tus = null;
      this.dock(true);
      this.showButtons("stop");
      this.buttons.stop.focus();
      this.say(this.box.dataset.msgRecording || "Recording");
      this.started = Date.now();
      this.tickTimer();
      if (!this.practice) this.upload();
    }

    tickTimer() {
      if (!this.recording) return;
      const elapsed = Math.floor((Date.now() - this.started) / 1000);
      const left = Math.max(0, this.limit - elapsed);
      const fmt = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
      this.timer.textContent = this.untimed ? `● ${fmt(elapsed)}` : `● ${fmt(elapsed)} / ${fmt(this.limit)}`;
      if (left <= 0) {
        this.stop();
        return;
      }
      setTimeout(() => this.tickTimer(), 250);
    }

    stop() {
      if (!this.recording) return;
      this.recording = false;
      this.media.stop();
    }

    async stopped_() {
      this.stopped = true;
      this.rec.finished = true;
      this.source.finish();
      this.dock(!this.practice);
      if (!this.practice) store.put(this.rec);
      const blob = new Blob(this.parts, { type: this.rec.mimeType });
      const review = this.el("[data-review]");
      const live = this.el("[data-live]");
      if (live) live.hidden = true;
      review.src = URL.createObjectURL(blob);
      review.hidden = false;
      this.timer.textContent = "";
      const canRetake = this.retakesLeft > 0;
      const left = this.el("[data-retakes-left]");
      if (left) left.textContent = String(this.retakesLeft);
      this.showButtons(...(canRetake ? ["retake"] : []), "next");
      if (this.buttons.next) {
        this.buttons.next.disabled = false;
        this.buttons.next.focus();
      } else if (canRetake) {
        this.buttons.retake.focus();
        this.buttons.retake.scrollIntoView({ block: "nearest" });
      }
      this.say(this.practice
        ? this.box.dataset.msgPracticeDone || "Listen to your practice answer, or record it again."
        : this.box.dataset.msgReview || "Play your answer back. Use it, or record it again.");
    }

    async retake() {
      if (this.retakesLeft <= 0) return;
      this.retakesLeft -= 1;
      if (this.tus && !this.uploaded) {
        try {
          await this.tus.abort(true);
        } catch (e) { /* the server may already have it; the new take replaces it */ }
      }
      if (this.rec && !this.practice) await store.forget(this.rec.key);
      this.stopped = false;
      this.start();
    }

    async upload() {
      const bar = this.el("[data-upload-bar]");
      const wrap = this.el("[data-upload]");
      wrap.hidden = false;
      const rec = this.rec;
      const showSent = (sent, source) => {
        const total = source.finished ? source.length : Math.max(source.length, 1);
        const pct = Math.min(100, Math.round((100 * sent) / total));
        bar.setAttribute("aria-valuenow", String(pct));
        bar.firstElementChild.style.width = `${pct}%`;
      };
      if (rec.offset) showSent(rec.offset, this.source);
      try {
        await startUpload(this.box, this.source, rec, {
          started: (upload) => {
            if (rec === this.rec) this.tus = upload;
          },
          progress: (sent, source) => {
            if (sent === BUSY) {
              this.label.textContent = this.box.dataset.msgBusy || "Your earlier recordings are still being uploaded — this one will follow as soon as they are done. Keep this page open.";
              this.label.dataset.notice = "busy";
              return;
            }
            if (sent < 0) {
              this.label.textContent = this.box.dataset.msgOffline || "Connection lost — your answer is kept on this device and will be sent when you are back online.";
              this.label.dataset.notice = "offline";
              return;
            }
            showSent(sent, source);
          },
          // The server took a chunk: the connection is back, whatever is still to send.
          acked: () => {
            if (this.label.dataset.notice && rec === this.rec && !this.uploaded) {
              delete this.label.dataset.notice;
              this.label.textContent = this.uploadingText;
            }
          },
        });
      } catch (err) {
        this.fail(this.box.dataset.msgRejected || "The server could not use this recording. Please record it again.");
        this.showButtons("start");
        return;
      }
      if (rec !== this.rec) return; // a retake replaced this take
      this.uploaded = true;
      await store.forget(rec.key);
      bar.firstElementChild.style.width = "100%";
      delete this.label.dataset.notice;
      this.label.textContent = this.box.dataset.msgSaved || "Your answer is saved.";
      if (this.wantsNext) this.next();
    }

    next() {
      if (this.uploaded) {
        window.location.href = this.box.dataset.doneUrl;
        return;
      }
      this.wantsNext = true;
      this.buttons.next.disabled = true;
      this.say(this.box.dataset.msgWaiting || "Saving your answer… keep this page open.");
    }

    fail(message) {
      const box = this.el("[data-error]");
      box.textContent = message;
      box.hidden = false;
    }
  }

  document.querySelectorAll("[data-recorder]").forEach(async (box) => {
    if (!window.MediaRecorder || !navigator.mediaDevices) {
      box.querySelector("[data-error]").textContent = box.dataset.msgUnsupported || "This browser cannot record. Please use a recent Chrome, Firefox, Edge or Safari.";
      box.querySelector("[data-error]").hidden = false;
      return;
    }
    const recorder = new Recorder(box);
    if (await recorder.resumePending()) return;
    const prompt = document.querySelector("[data-prompt-audio]");
    if (prompt && !recorder.practice) {
      prompt.addEventListener("ended", () => recorder.startThink(), { once: true });
      prompt.play().catch(() => recorder.startThink());
    } else {
      recorder.startThink();
    }
  });
})();
