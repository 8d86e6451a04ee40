"""A Piper voice's files as an operator receives them (the .onnx, its JSON and its model card),
for the tests of adding a voice. The .onnx holds no model: adding a voice reads its JSON and
card and hashes the file; nothing here synthesises."""

import json
from pathlib import Path


def piper_voice(folder: Path, stem: str, *, language: str, dataset: str, licence: str) -> Path:
    """Write ``stem``.onnx, ``stem``.onnx.json and MODEL_CARD in ``folder``; return the .onnx."""
    folder.mkdir(parents=True, exist_ok=True)
    onnx = folder / f"{stem}.onnx"
    onnx.write_bytes(b"ONNX" + b"\0" * 256)
    config = {"language": {"code": language}, "dataset": dataset, "audio": {"quality": "medium"}}
    (folder / f"{stem}.onnx.json").write_text(json.dumps(config))
    (folder / "MODEL_CARD").write_text(
        f"# Model card\n\n* License: {licence}\n* Dataset: {dataset}\n"
    )
    return onnx
