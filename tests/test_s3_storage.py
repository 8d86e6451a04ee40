"""Media on an S3-compatible store (django-storages), against a local S3 server (moto)."""

import subprocess
import sys
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_it_stores_and_reads_media_through_the_s3_settings(s3_endpoint, tmp_path):
    """The production settings (S3_BUCKET …) select django-storages and round-trip a file."""
    script = """
import boto3, django
from django.conf import settings
django.setup()
boto3.client("s3", endpoint_url=settings.STORAGES["default"]["OPTIONS"]["endpoint_url"],
             region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
             ).create_bucket(Bucket="panelist-media")
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
name = default_storage.save("answers/test/answer.webm", ContentFile(b"recorded bytes"))
with default_storage.open(name, "rb") as fh:
    assert fh.read() == b"recorded bytes"
print(type(default_storage._wrapped).__name__, name, default_storage.exists(name))
"""
    env = {
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DEBUG": "true",
        "PANELIST_DATA_DIR": str(tmp_path),
        "S3_BUCKET": "panelist-media",
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "test",
        "S3_SECRET_ACCESS_KEY": "test",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["S3Storage", "answers/test/answer.webm", "True"]
