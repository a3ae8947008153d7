"""Deployment packages unpacked once per code hash, shared by all environments of that code."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import zipfile
from io import BytesIO
from pathlib import Path

from lambdalab import leftovers


class CodeCache:
    """Unzips ``spec.code_zip`` into ``<root>/<sha256>``; a bad zip gives an empty directory.

    An empty directory is deliberate: the runtime then fails the way AWS does
    (``Runtime.ImportModuleError``) instead of the lab raising a traceback.
    """

    def __init__(self, root: str | None = None) -> None:
        self._own = root is None
        # A folder that names its owner: if the lab is killed, the next lab removes it.
        self.root = Path(root) if root else leftovers.new_folder("lambdalab-code-")
        self._lock = threading.Lock()

    def directory(self, code_sha256: str, code_zip: bytes) -> Path:
        target = self.root / code_sha256[:32]
        with self._lock:
            if target.is_dir():
                return target
            staging = Path(tempfile.mkdtemp(prefix=".unzip-", dir=self.root))
            try:
                with zipfile.ZipFile(BytesIO(code_zip)) as zf:
                    zf.extractall(staging)
            except (zipfile.BadZipFile, ValueError, OSError, EOFError):
                shutil.rmtree(staging, ignore_errors=True)
                staging.mkdir()
            os.replace(staging, target)
            return target

    def close(self) -> None:
        if self._own:
            shutil.rmtree(self.root, ignore_errors=True)
