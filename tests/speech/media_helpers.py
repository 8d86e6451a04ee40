"""Test media made with PyAV itself: tones in the formats browsers and phones produce."""

from __future__ import annotations

import io
import math
import struct

import av


def tone(
    fmt: str = "webm",
    codec: str = "libopus",
    *,
    seconds: float = 1.5,
    rate: int = 48_000,
    layout: str = "stereo",
    options: dict[str, str] | None = None,
) -> bytes:
    """A 440 Hz sine tone encoded with ``codec`` into a ``fmt`` container."""
    channels = 2 if layout == "stereo" else 1
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt, options=options or {}) as output:
        stream = output.add_stream(codec, rate=rate, layout=layout)
        total = int(seconds * rate)
        step = 960
        for start in range(0, total, step):
            count = min(step, total - start)
            pcm = b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * (start + i) / rate)))
                * channels
                for i in range(count)
            )
            frame = av.AudioFrame(format="s16", layout=layout, samples=count)
            frame.planes[0].update(pcm.ljust(frame.planes[0].buffer_size, b"\0"))
            frame.sample_rate = rate
            frame.pts = start
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def silent_video(seconds: float = 1.0) -> bytes:
    """An MP4 with a video track and no audio track."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as output:
        stream = output.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(int(seconds * 10)):
            frame = av.VideoFrame(64, 64, "yuv420p")
            frame.pts = i
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def decode(mp3: bytes) -> tuple[str, int, int, float]:
    """(codec, sample rate, channels, seconds of decoded audio) of an MP3."""
    with av.open(io.BytesIO(mp3)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        ctx = stream.codec_context
        return container.format.name, ctx.sample_rate, ctx.channels, samples / ctx.sample_rate
