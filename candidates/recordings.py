"""Recordings that seek and play anywhere: the ``remux`` step of the answer pipeline.

MediaRecorder writes WebM as a live stream: no duration in its header and no cues (the index
of where each moment starts), so players show 0:00 and cannot be scrubbed. This step

* copies the recording's packets, unchanged, into a new WebM (Matroska for Chrome's H.264)
  written to a seekable file, so the muxer writes the duration and the cues (``playback``;
  the recording as uploaded stays in ``media``, byte for byte what the upload's checksum
  names, and players are served the copy);
* makes a rendition Safari on iPhone and Mac plays: MP4 with H.264 video (libx264, or the
  recording's own H.264 copied as it is) and AAC sound, or M4A (AAC) for a sound-only answer;
* sets the answer's ``duration_seconds`` from the media itself.

MP4 recordings (Safari's own) play everywhere already and are left as they are. The work is
bounded: recordings over the upload limits (size, the question's answer time plus slack) are
not touched, pictures are scaled down to 720 lines and the encoding stops after a share of
the answer's time limit. Every failure here leaves the original recording in place, playable,
and is reported as ``RecordingSkipped`` so that transcription still runs.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from candidates.models import Answer

if TYPE_CHECKING:
    from av.container import InputContainer, OutputContainer

logger = logging.getLogger(__name__)

# The rendition's picture: at most this many lines (a phone's 1080p becomes 720p), encoded
# fast; a review player needs a clear face, not archive quality.
MAX_LINES = 720
H264_PRESET = "veryfast"
H264_CRF = "26"
AAC_BIT_RATE = 96_000  # stereo; plenty for speech in mono too
AAC_RATE = 48_000
SAMPLE_TIME = Fraction(1, AAC_RATE)
# Matroska families that need the remux (MediaRecorder's live-stream WebM).
_MATROSKA = "matroska,webm"
_WEBM_CODECS = frozenset({"opus", "vorbis", "vp8", "vp9", "av1"})


class RecordingSkipped(Exception):
    """The recording stays as uploaded (the message says why); the pipeline carries on."""


@dataclass(frozen=True)
class Prepared:
    """What the step made, as temporary files (removed by the caller)."""

    duration: float
    seekable: Path | None
    seekable_extension: str
    rendition: Path | None
    rendition_extension: str
    rendition_type: str


def encode_budget() -> float:
    """Seconds the rendition may take: a third of the answer's time limit, so the steps after
    it (transcription, evaluation) keep most of the time."""
    return float(settings.ANSWER_SOFT_TIME_LIMIT) / 3


def max_seconds(answer: Answer) -> float:
    """The longest recording worth working on: what the upload accepted for the question."""
    item = answer.interview_question
    if item is None:
        return float(settings.AUDIO_MAX_SECONDS + settings.UPLOAD_DURATION_SLACK_SECONDS)
    from candidates.services.accommodations import accommodated_limits

    # The invite's accommodation (more time, untimed) as the upload server applied it.
    limit = accommodated_limits(invite=answer.candidate_interview, item=item).answer_seconds
    return float(limit + settings.UPLOAD_DURATION_SLACK_SECONDS)


def _span(container: InputContainer) -> float:
    """The recording's length from its packets' timestamps (the header may have none)."""
    start: float | None = None
    end = 0.0
    for packet in container.demux():
        if packet.pts is None or packet.time_base is None:
            continue
        begin = float(packet.pts * packet.time_base)
        start = begin if start is None else min(start, begin)
        end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    return 0.0 if start is None else end - start


def media_duration(path: Path) -> float:
    """The recording's duration: the container's when it has one, else its packets' span."""
    with av.open(str(path)) as container:
        if container.duration:
            return float(container.duration / av.time_base)
        return _span(container)


def _remux(source: Path, target: Path, fmt: str) -> None:
    """Copy every packet of ``source`` into ``target`` (a seekable file: duration and cues)."""
    with av.open(str(source)) as src, av.open(str(target), "w", format=fmt) as dst:
        streams = [s for s in src.streams if s.type in ("audio", "video")]
        out = {s.index: dst.add_stream_from_template(s) for s in streams}
        for packet in src.demux(*streams):
            if packet.dts is None:  # the demuxer's end-of-stream marker
                continue
            packet.stream = out[packet.stream.index]
            dst.mux(packet)


def _even(value: int) -> int:
    return max(2, value - value % 2)


def _picture_size(width: int, height: int) -> tuple[int, int]:
    if height > MAX_LINES:
        width, height = round(width * MAX_LINES / height), MAX_LINES
    return _even(width), _even(height)


def _render(source: Path, target: Path, *, deadline: float) -> str:
    """Write ``target`` as MP4: H.264 (copied when it already is, else libx264) and AAC.

    Returns the rendition's MIME type with its codecs. Raises RecordingSkipped past
    ``deadline`` (a ``time.monotonic()`` value).
    """
    with av.open(str(source)) as src:
        audio = src.streams.audio[0] if src.streams.audio else None
        video = src.streams.video[0] if src.streams.video else None
        if audio is None:
            raise RecordingSkipped("The recording has no sound track.")
        with av.open(str(target), "w", format="mp4", options={"movflags": "+faststart"}) as dst:
            layout = "mono" if audio.codec_context.channels == 1 else "stereo"
            aac: Any = dst.add_stream("aac", rate=AAC_RATE, layout=layout)
            aac.bit_rate = AAC_BIT_RATE
            resampler = av.AudioResampler(format="fltp", layout=layout, rate=AAC_RATE)
            copy_video = video is not None and video.codec_context.name == "h264"
            picture: Any = None
            size = (0, 0)
            if video is not None and copy_video:
                picture = dst.add_stream_from_template(video)
            elif video is not None:
                size = _picture_size(video.codec_context.width, video.codec_context.height)
                picture = dst.add_stream(
                    "libx264", options={"preset": H264_PRESET, "crf": H264_CRF}
                )
                picture.width, picture.height = size
                picture.pix_fmt = "yuv420p"
                # MediaRecorder's frame rate varies: keep each picture's own time.
                picture.time_base = Fraction(1, 1000)
                picture.codec_context.time_base = Fraction(1, 1000)
            _transcode(src, dst, audio, video, aac, picture, resampler, size, copy_video, deadline)
    if video is None:
        return 'audio/mp4; codecs="mp4a.40.2"'
    return f'video/mp4; codecs="{_avc1(target)}, mp4a.40.2"'


def _avc1(path: Path) -> str:
    """The RFC 6381 name of the H.264 in ``path`` (profile, constraints, level from its avcC),
    so a browser's ``canPlayType`` judges the real stream."""
    with av.open(str(path)) as container:
        extradata = container.streams.video[0].codec_context.extradata or b""
    if len(extradata) < 4 or extradata[0] != 1:
        return "avc1.640028"  # High 4.0: what libx264 writes for 720 lines
    return f"avc1.{extradata[1]:02X}{extradata[2]:02X}{extradata[3]:02X}"


def _transcode(
    src: InputContainer,
    dst: OutputContainer,
    audio: Any,
    video: Any,
    aac: Any,
    picture: Any,
    resampler: av.AudioResampler,
    size: tuple[int, int],
    copy_video: bool,
    deadline: float,
) -> None:
    streams = [audio] if video is None else [audio, video]
    last_video_pts = -1
    samples = 0
    for packet in src.demux(*streams):
        if time.monotonic() > deadline:
            raise RecordingSkipped("Making the rendition took too long and was stopped.")
        if packet.stream.index == audio.index:
            for frame in packet.decode():
                frame.pts = None  # let the resampler count time; browser files have gaps
                for out in resampler.resample(frame):
                    out.pts, out.time_base = samples, SAMPLE_TIME
                    samples += out.samples
                    dst.mux(aac.encode(out))
        elif copy_video:
            if packet.dts is None:
                continue
            packet.stream = picture
            dst.mux(packet)
        else:
            for frame in packet.decode():
                pts = round(float(frame.time) * 1000) if frame.time is not None else None
                if pts is None or pts <= last_video_pts:
                    continue  # a repeated or untimed picture: H.264 needs rising times
                last_video_pts = pts
                scaled = frame.reformat(width=size[0], height=size[1], format="yuv420p")
                scaled.pts = pts
                scaled.time_base = Fraction(1, 1000)
                dst.mux(picture.encode(scaled))
    for out in resampler.resample(None):
        out.pts, out.time_base = samples, SAMPLE_TIME
        samples += out.samples
        dst.mux(aac.encode(out))
    dst.mux(aac.encode(None))
    if picture is not None and not copy_video:
        dst.mux(picture.encode(None))
    if not samples:
        raise RecordingSkipped("The recording's sound cannot be decoded.")


def prepare(source: Path, workdir: Path, *, max_duration: float, budget: float) -> Prepared:
    """Make the seekable copy and the Safari rendition of the recording at ``source``."""
    started = time.monotonic()
    try:
        with av.open(str(source)) as container:
            family = container.format.name
            has_duration = bool(container.duration)
            codecs = {
                s.codec_context.name for s in container.streams if s.type in ("audio", "video")
            }
            has_video = bool(container.streams.video)
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise RecordingSkipped(f"The recording cannot be read: {exc}") from exc
    seekable: Path | None = None
    extension = ""
    try:
        if family == _MATROSKA and not has_duration:
            extension = "webm" if codecs <= _WEBM_CODECS else "mkv"
            seekable = workdir / f"seekable.{extension}"
            _remux(source, seekable, "webm" if extension == "webm" else "matroska")
        duration = media_duration(seekable or source)
        if duration > max_duration:
            raise RecordingSkipped(
                f"The recording lasts {duration:.0f} s, over the {max_duration:.0f} s limit."
            )
        if family.startswith("mov,mp4"):
            return Prepared(duration, seekable, extension, None, "", "")
        rendition = workdir / "rendition.mp4"
        rendition_type = _render(seekable or source, rendition, deadline=started + budget)
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise RecordingSkipped(f"The recording cannot be converted: {exc}") from exc
    return Prepared(
        duration,
        seekable,
        extension,
        rendition,
        "mp4" if has_video else "m4a",
        rendition_type,
    )


def _stem(name: str) -> str:
    stem = name.rsplit("/", 1)[-1]
    return stem.rsplit(".", 1)[0] if "." in stem else stem


def _save(path: Path, name: str) -> str:
    with path.open("rb") as handle:
        # The playback and rendition fields' max_length: a long name is shortened, not refused.
        return default_storage.save(name, File(handle), max_length=255)


def answer_recording_prepare(*, answer: Answer) -> Answer:
    """Give ``answer``'s recording a seekable copy (duration, cues) and a rendition for Safari,
    and its real duration. The recording as uploaded stays as it is (its bytes are the ones
    the upload's checksum names); players are served the copy.

    Idempotent: an answer that has them already is left alone, and the answer is only changed
    while it still holds the recording this run started from (a retake that arrived meanwhile
    wins; the files made here are then deleted). Raises RecordingSkipped when nothing could
    be done.
    """
    if answer.playback or answer.rendition:
        return answer
    try:
        return _prepare_answer(answer)
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise RecordingSkipped(f"The recording could not be converted: {exc}") from exc


def _prepare_answer(answer: Answer) -> Answer:
    original = answer.media.name or ""
    if not original:
        raise RecordingSkipped("The answer has no recording.")
    if answer.media.size > settings.UPLOAD_MAX_SIZE:
        raise RecordingSkipped("The recording is over the upload size limit.")
    folder = original.rsplit("/", 1)[0] + "/" if "/" in original else ""
    with tempfile.TemporaryDirectory(prefix="panelist-recording-") as tmp:
        workdir = Path(tmp)
        source = workdir / "original"
        with answer.media.open("rb") as handle, source.open("wb") as copy:
            shutil.copyfileobj(handle, copy, 1024 * 1024)
        made = prepare(source, workdir, max_duration=max_seconds(answer), budget=encode_budget())
        saved: list[str] = []
        try:
            playback = rendition = ""
            if made.seekable is not None:
                playback = _save(
                    made.seekable, f"{folder}{_stem(original)}-s.{made.seekable_extension}"
                )
                saved.append(playback)
            if made.rendition is not None:
                rendition = _save(
                    made.rendition, f"{folder}{_stem(original)}-r.{made.rendition_extension}"
                )
                saved.append(rendition)
            with transaction.atomic():
                current = Answer.objects.select_for_update().filter(pk=answer.pk).first()
                if current is None or (current.media.name or "") != original:
                    raise RecordingSkipped("A newer recording replaced this one.")
                Answer.objects.filter(pk=answer.pk).update(
                    playback=playback,
                    rendition=rendition,
                    rendition_type=made.rendition_type,
                    duration_seconds=round(made.duration, 3),
                )
        except BaseException:
            for name in saved:
                default_storage.delete(name)
            raise
    answer.playback.name = playback
    answer.rendition.name = rendition
    answer.rendition_type = made.rendition_type
    answer.duration_seconds = round(made.duration, 3)
    logger.info(
        "Prepared recording of answer %s: %.2f s, seekable copy %s, rendition %s",
        answer.pk,
        made.duration,
        bool(playback),
        made.rendition_type or "none",
    )
    return answer
