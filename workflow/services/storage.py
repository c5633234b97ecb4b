"""Where attachment files live: a small interface with two implementations.

- ``LocalStorage``: files under a folder (``UPLOAD_DIR``, default ``instance/uploads/``), so
  ``make run`` needs nothing; written to a temporary file then renamed, so a reader never sees
  half a file.
- ``S3Storage``: an S3-compatible bucket (AWS, SeaweedFS, MinIO, Garage...) chosen by
  ``STORAGE_URL=s3://bucket[/prefix]``, reached through boto3 at ``S3_ENDPOINT_URL`` with
  ``S3_ACCESS_KEY_ID``/``S3_SECRET_ACCESS_KEY`` in ``S3_REGION`` (boto3's own ``AWS_*``
  variables when these are unset). Several processes or machines share it.

Keys are relative paths made by the attachments service (``items/<id>/<uuid>/original``);
the database row holds them. A storage that cannot be reached is ``StorageUnavailable`` (503).
"""
import os
import tempfile
from pathlib import Path

from ..domain.errors import N_, DomainError


class StorageUnavailable(DomainError):
    status = 503
    title = N_("Storage unavailable")


class FileMissing(LookupError):
    """The key names no stored file."""


def _checked(key):
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"bad storage key {key!r}")
    return key


class LocalStorage:
    """Files in a folder of the local disk."""

    def __init__(self, root):
        self.root = Path(root)

    def __repr__(self):
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key):
        return self.root / _checked(key)

    def put(self, key, data, content_type):
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def open(self, key):
        """(a binary file object, its size). Raises FileMissing."""
        try:
            handle = open(self._path(key), "rb")  # noqa: SIM115 - the response closes it
        except FileNotFoundError:
            raise FileMissing(key) from None
        return handle, os.fstat(handle.fileno()).st_size

    def read(self, key):
        handle, _ = self.open(key)
        with handle:
            return handle.read()

    def exists(self, key):
        return self._path(key).is_file()

    def delete(self, key):
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Objects in a bucket of an S3-compatible server."""

    def __init__(self, bucket, prefix="", *, endpoint_url=None, access_key=None, secret_key=None, region=None):
        import boto3
        from botocore.config import Config as BotoConfig

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            region_name=region or "us-east-1",
            # Path-style addressing: a self-hosted endpoint has no per-bucket DNS names.
            config=BotoConfig(signature_version="s3v4", retries={"max_attempts": 3, "mode": "standard"},
                              connect_timeout=5, read_timeout=30,
                              s3={"addressing_style": "path" if endpoint_url else "auto"}))

    def __repr__(self):
        return f"S3Storage({self.bucket!r}, {self.prefix!r})"

    def _key(self, key):
        key = _checked(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _call(self, method, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise FileMissing(kwargs.get("Key")) from None
            raise StorageUnavailable(N_("The file storage refused the request (%(code)s)."),
                                     params={"code": code}) from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(N_("The file storage cannot be reached; try again later.")) from exc

    def put(self, key, data, content_type):
        self._call("put_object", Key=self._key(key), Body=data, ContentType=content_type)

    def open(self, key):
        answer = self._call("get_object", Key=self._key(key))
        return answer["Body"], answer["ContentLength"]

    def read(self, key):
        body, _ = self.open(key)
        with body:
            return body.read()

    def exists(self, key):
        try:
            self._call("head_object", Key=self._key(key))
        except FileMissing:
            return False
        return True

    def delete(self, key):
        self._call("delete_object", Key=self._key(key))


def storage_from_config(config, instance_path):
    """The storage the settings name (see the module docstring)."""
    url = config.get("STORAGE_URL")
    if url:
        if not url.startswith("s3://") or len(url) <= len("s3://"):
            raise RuntimeError(f"STORAGE_URL must be s3://bucket[/prefix], not {url!r}")
        bucket, _, prefix = url[len("s3://"):].partition("/")
        return S3Storage(bucket, prefix, endpoint_url=config.get("S3_ENDPOINT_URL"),
                         access_key=config.get("S3_ACCESS_KEY_ID"), secret_key=config.get("S3_SECRET_ACCESS_KEY"),
                         region=config.get("S3_REGION"))
    return LocalStorage(config.get("UPLOAD_DIR") or os.path.join(instance_path, "uploads"))


def get_storage():
    """The current app's storage, built once per app."""
    from flask import current_app

    storage = current_app.extensions.get("relais_storage")
    if storage is None:
        storage = current_app.extensions["relais_storage"] = storage_from_config(
            current_app.config, current_app.instance_path)
    return storage
