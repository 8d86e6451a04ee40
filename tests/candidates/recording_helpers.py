"""WebM recordings made the way a browser's MediaRecorder makes them: written to a stream that
cannot seek back, so the file has no duration in its header and no cues."""

from __future__ import annotations

import math
import struct

import av

RATE = 48_000
FPS = 30


class _Stream:
    """A write-only sink, like the chunks MediaRecorder hands to the page: no seek, no tell."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, chunk: bytes) -> int:
        self.data += bytes(chunk)
        return len(chunk)


def browser_webm(
    seconds: float = 3.0,
    *,
    video: bool = False,
    size: tuple[int, int] = (320, 240),
    h264: bool = False,
) -> bytes:
    """Opus sound (a 440 Hz tone), and VP8 pictures when ``video``, in a live-stream WebM;
    with ``h264``, H.264 pictures in Matroska, as Chrome records ``video/x-matroska``."""
    sink = _Stream()
    with av.open(sink, "w", format="matroska" if h264 else "webm") as out:
        sound = out.add_stream("libopus", rate=RATE, layout="mono")
        picture = None
        if video or h264:
            picture = out.add_stream(
                "libx264" if h264 else "libvpx",
                rate=FPS,
                options={"preset": "ultrafast"} if h264 else {},
            )
            picture.width, picture.height = size
            picture.pix_fmt = "yuv420p"
        total = int(seconds * RATE)
        shown = 0
        for start in range(0, total, 960):
            count = min(960, total - start)
            pcm = b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * (start + i) / RATE)))
                for i in range(count)
            )
            frame = av.AudioFrame(format="s16", layout="mono", samples=count)
            frame.planes[0].update(pcm.ljust(frame.planes[0].buffer_size, b"\0"))
            frame.sample_rate = RATE
            frame.pts = start
            out.mux(sound.encode(frame))
            while picture is not None and shown < seconds * FPS and shown / FPS <= start / RATE:
                image = av.VideoFrame(*size, "yuv420p")
                for plane in image.planes:
                    plane.update(bytes([(shown * 7) % 255]) * plane.buffer_size)
                image.pts = shown
                out.mux(picture.encode(image))
                shown += 1
        out.mux(sound.encode(None))
        if picture is not None:
            out.mux(picture.encode(None))
    return bytes(sink.data)
