"""Audio media with PyAV (FFmpeg bundled in the wheel): check uploads, convert to MP3 or WAV.

Uploads are judged by their content, never their name: files are handed to FFmpeg as
streams without a file name, so a text file called ``prompt.mp3`` is still a text file.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import av
from django.conf import settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from av.audio.frame import AudioFrame
    from av.container import InputContainer

Source = bytes | str | Path | IO[bytes]

MP3_RATE = 24_000
MP3_BIT_RATE = 64_000


class MediaError(ValueError):
    """The media cannot be used; the message says why, in words for the person who gave it."""


@dataclass(frozen=True)
class MediaInfo:
    format: str
    duration: float
    has_audio: bool
    codec: str
    sample_rate: int
    size: int


def _size(source: Source) -> int:
    if isinstance(source, bytes):
        return len(source)
    if isinstance(source, str | Path):
        return Path(source).stat().st_size
    size = getattr(source, "size", None)
    if isinstance(size, int):
        return size
    position = source.tell()
    end = source.seek(0, io.SEEK_END)
    source.seek(position)
    return end


def _open(source: Source) -> InputContainer:
    """An input container probed by content only (no file name for FFmpeg to guess from)."""
    stream: Any
    if isinstance(source, bytes):
        stream = io.BytesIO(source)
    elif isinstance(source, str | Path):
        stream = Path(source).open("rb")  # noqa: SIM115 - closed with the container
    else:
        source.seek(0)
        stream = source
    try:
        return av.open(stream, mode="r")
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise MediaError("This file is not audio, or it is damaged.") from exc


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def probe(
    source: Source, *, max_bytes: int | None = None, max_seconds: float | None = None
) -> MediaInfo:
    """What ``source`` holds, or MediaError when it is not usable audio.

    Refuses empty, oversized, non-audio, undecodable and overlong files; the limits default to
    ``AUDIO_UPLOAD_MAX_BYTES`` and ``AUDIO_MAX_SECONDS``.
    """
    max_bytes = settings.AUDIO_UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    max_seconds = settings.AUDIO_MAX_SECONDS if max_seconds is None else max_seconds
    size = _size(source)
    if size == 0:
        raise MediaError("The file is empty.")
    if size > max_bytes:
        raise MediaError(
            f"The file is {size / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB."
        )
    with _open(source) as container:
        if not container.streams.audio:
            raise MediaError("This file has no sound: upload an audio recording.")
        stream = container.streams.audio[0]
        format_name = container.format.name
        codec = stream.codec_context.name
        sample_rate = stream.codec_context.sample_rate or 0
        try:
            duration, decoded = _measure(container, stream)
        except (av.FFmpegError, ValueError) as exc:
            raise MediaError("This file is not audio, or it is damaged.") from exc
    if not decoded or duration <= 0:
        raise MediaError("This file has no sound that can be played.")
    if duration > max_seconds:
        raise MediaError(
            f"The recording lasts {_minutes(duration)}; the limit is {_minutes(max_seconds)}."
        )
    return MediaInfo(
        format=format_name,
        duration=duration,
        has_audio=True,
        codec=codec,
        sample_rate=sample_rate,
        size=size,
    )


def _measure(container: InputContainer, stream: Any) -> tuple[float, int]:
    """The audio's length from its packets (browser WebM has no duration in its header), and
    how many samples the first packets decode to (zero means it is not really audio)."""
    end = 0.0
    start: float | None = None
    decoded = 0
    for packet in container.demux(stream):
        if packet.pts is None or packet.time_base is None:
            continue
        begin = float(packet.pts * packet.time_base)
        start = begin if start is None else min(start, begin)
        end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
        if decoded < stream.codec_context.sample_rate:
            decoded += sum(frame.samples for frame in packet.decode())
    if start is None:
        return 0.0, decoded
    duration = end - start
    if container.duration and duration <= 0:
        duration = container.duration / av.time_base
    return duration, decoded


def _mono_frames(source: Source, *, rate: int, fmt: str) -> Iterator[AudioFrame]:
    """Every sample of the first audio stream, resampled to mono ``fmt`` at ``rate``."""
    resampler = av.AudioResampler(format=fmt, layout="mono", rate=rate)
    with _open(source) as container:
        if not container.streams.audio:
            raise MediaError("This file has no sound: upload an audio recording.")
        try:
            for frame in container.decode(container.streams.audio[0]):
                frame.pts = None  # let the resampler count time; browser files have gaps
                yield from resampler.resample(frame)
            yield from resampler.resample(None)
        except (av.FFmpegError, ValueError) as exc:
            raise MediaError("This file is not audio, or it is damaged.") from exc


def to_mp3(source: Source) -> tuple[bytes, float]:
    """Mono MP3 (24 kHz, 64 kbps) of ``source``'s audio, and its duration in seconds."""
    buffer = io.BytesIO()
    samples = 0
    with av.open(buffer, mode="w", format="mp3") as output:
        stream: Any = output.add_stream("libmp3lame", rate=MP3_RATE, layout="mono")
        stream.bit_rate = MP3_BIT_RATE
        for frame in _mono_frames(source, rate=MP3_RATE, fmt="s16p"):
            samples += frame.samples
            output.mux(stream.encode(frame))
        if not samples:
            raise MediaError("This file has no sound that can be played.")
        output.mux(stream.encode(None))
    return buffer.getvalue(), samples / MP3_RATE


def to_wav(source: Source, *, rate: int = MP3_RATE) -> bytes:
    """16-bit mono PCM WAV of ``source``'s audio."""
    pcm = b"".join(
        bytes(frame.planes[0])[: frame.samples * 2]
        for frame in _mono_frames(source, rate=rate, fmt="s16")
    )
    if not pcm:
        raise MediaError("This file has no sound that can be played.")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


# Containers that browsers' MediaRecorder writes: Chrome and Firefox WebM (Chrome also
# Matroska with H.264), Safari MP4, Firefox audio-only Ogg.
_RECORDING_CONTAINERS = {"matroska,webm": "webm", "mov,mp4,m4a,3gp,3g2,mj2": "mp4", "ogg": "ogg"}
_WEBM_CODECS = frozenset({"opus", "vorbis", "vp8", "vp9", "av1"})
# Enough packets for any decoder's start-up delay (B-frames, codec priming).
_DECODE_PACKETS = 60


@dataclass(frozen=True)
class RecordingInfo:
    """A checked recording: audio always, video maybe."""

    format: str
    extension: str
    content_type: str
    duration: float
    audio_codec: str
    video_codec: str
    width: int
    height: int
    size: int

    @property
    def has_video(self) -> bool:
        return bool(self.video_codec)


def probe_recording(
    path: str | Path, *, min_seconds: float = 0.3, max_seconds: float | None = None
) -> RecordingInfo:
    """What the recording at ``path`` holds, or MediaError when it is not a usable answer.

    It must be a WebM (or Matroska), MP4 or Ogg container with a sound track whose first
    packets decode, and, when it has a video track, a picture that decodes too; it must last
    more than ``min_seconds`` and, when given, at most ``max_seconds``. Judged by content only.
    """
    size = _size(path)
    if size == 0:
        raise MediaError("The file is empty.")
    damaged = "This file is not a recording, or it is damaged."
    with Path(path).open("rb") as handle:
        try:
            container = av.open(handle, mode="r")
        except (av.FFmpegError, ValueError, OSError) as exc:
            raise MediaError(damaged) from exc
        with container:
            family = _RECORDING_CONTAINERS.get(container.format.name)
            if family is None:
                raise MediaError("Upload a WebM, MP4 or Ogg recording.")
            if not container.streams.audio:
                raise MediaError("This recording has no sound.")
            audio = container.streams.audio[0]
            video = container.streams.video[0] if container.streams.video else None
            try:
                duration, samples, pictures = _measure_recording(container, audio, video)
            except (av.FFmpegError, ValueError) as exc:
                raise MediaError(damaged) from exc
            format_name = container.format.name
            audio_codec = audio.codec_context.name
            video_codec = video.codec_context.name if video is not None else ""
            width = video.codec_context.width if video is not None else 0
            height = video.codec_context.height if video is not None else 0
    if not samples:
        raise MediaError("This recording has no sound that can be played.")
    if video is not None and not pictures:
        raise MediaError("The video in this recording cannot be played.")
    if duration <= min_seconds:
        raise MediaError(f"The recording is too short ({duration:.1f} s).")
    if max_seconds is not None and duration > max_seconds:
        raise MediaError(
            f"The recording lasts {_minutes(duration)}; the limit is {_minutes(max_seconds)}."
        )
    extension = family
    if family == "webm" and not ({audio_codec, video_codec} - {""}) <= _WEBM_CODECS:
        extension = "mkv"
    kind = "video" if video_codec else "audio"
    content_type = "video/x-matroska" if extension == "mkv" else f"{kind}/{extension}"
    return RecordingInfo(
        format=format_name,
        extension=extension,
        content_type=content_type,
        duration=duration,
        audio_codec=audio_codec,
        video_codec=video_codec,
        width=width,
        height=height,
        size=size,
    )


def _measure_recording(
    container: InputContainer, audio: Any, video: Any | None
) -> tuple[float, int, int]:
    """The sound track's length from its packets (MediaRecorder WebM has no duration in its
    header), the samples its first packets decode to and the pictures the video's first
    packets decode to: zero means the track is not really what it claims to be."""
    start: float | None = None
    end = 0.0
    samples = pictures = audio_packets = video_packets = 0
    streams = [audio] if video is None else [audio, video]
    for packet in container.demux(*streams):
        if packet.stream.index == audio.index:
            if packet.pts is not None and packet.time_base is not None:
                begin = float(packet.pts * packet.time_base)
                start = begin if start is None else min(start, begin)
                end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
            if not samples and audio_packets < _DECODE_PACKETS:
                audio_packets += 1
                samples += sum(frame.samples for frame in packet.decode())
        elif not pictures and video_packets < _DECODE_PACKETS:
            video_packets += 1
            pictures += len(packet.decode())
    if video is not None and video_packets and not pictures:
        pictures = len(video.decode(None))  # flush a decoder that holds frames back
    duration = 0.0 if start is None else end - start
    if duration <= 0 and container.duration:
        duration = container.duration / av.time_base
    return duration, samples, pictures
