"""``data "archive_file"`` (hashicorp/archive), type ``zip``.

Reproducible like the provider's: entries in lexical order, every timestamp the DOS date the Go
zero time becomes (2049-01-01 00:00), file modes kept. The bytes differ from Go's deflate, so the
hash is stable here but not equal to real terraform's.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import os
import zipfile
from pathlib import Path

from ._common import blocks, resolve
from .base import ApplyContext, DataSource, register

ZIP_TIME = (2049, 1, 1, 0, 0, 0)


@register
class ArchiveFile(DataSource):
    type_name = "archive_file"

    def read(self, ctx: ApplyContext, args: dict) -> dict:
        if (args.get("type") or "zip") != "zip":
            raise ValueError(f"archive type {args.get('type')!r} is not supported (use zip)")
        entries = list(self._entries(ctx, args))
        if not entries:
            raise ValueError("archive has not been created as it would be empty")
        out = resolve(ctx.module_dir, args["output_path"])
        out.parent.mkdir(parents=True, exist_ok=True)
        write_zip(out, entries, args.get("output_file_mode"))
        data = out.read_bytes()
        sha1, sha256, sha512 = (hashlib.new(name, data) for name in ("sha1", "sha256", "sha512"))
        return {
            "exclude_symlink_directories": args.get("exclude_symlink_directories"),
            "excludes": args.get("excludes"),
            "id": sha1.hexdigest(),
            "output_base64sha256": _b64(sha256.digest()),
            "output_base64sha512": _b64(sha512.digest()),
            "output_file_mode": args.get("output_file_mode"),
            "output_md5": hashlib.md5(data).hexdigest(),
            "output_path": args["output_path"],
            "output_sha": sha1.hexdigest(),
            "output_sha256": sha256.hexdigest(),
            "output_sha512": sha512.hexdigest(),
            "output_size": len(data),
            "source": [
                {"content": s.get("content"), "filename": s.get("filename")}
                for s in blocks(args, "source")
            ],
            "source_content": args.get("source_content"),
            "source_content_filename": args.get("source_content_filename"),
            "source_dir": args.get("source_dir"),
            "source_file": args.get("source_file"),
            "type": args.get("type") or "zip",
        }

    @staticmethod
    def _entries(ctx: ApplyContext, args: dict):
        """``(name, bytes, mode)`` in archive order."""
        if args.get("source_dir"):
            root = resolve(ctx.module_dir, args["source_dir"])
            if not root.is_dir():
                raise ValueError(f"could not archive missing directory: {args['source_dir']}")
            excludes = list(args.get("excludes") or [])
            out = resolve(ctx.module_dir, args["output_path"]).resolve()
            follow = not args.get("exclude_symlink_directories")
            for path in sorted(_walk(root, follow), key=lambda p: p.relative_to(root).as_posix()):
                rel = path.relative_to(root).as_posix()
                if path.resolve() == out or _excluded(rel, excludes):
                    continue
                yield rel, path.read_bytes(), path.stat().st_mode
        elif args.get("source_file"):
            path = resolve(ctx.module_dir, args["source_file"])
            yield path.name, path.read_bytes(), path.stat().st_mode
        elif args.get("source_content_filename"):
            text = args.get("source_content") or ""
            yield args["source_content_filename"], text.encode(), 0o644
        else:
            for s in sorted(blocks(args, "source"), key=lambda s: s["filename"]):
                yield s["filename"], (s.get("content") or "").encode(), 0o644


def _walk(root: Path, follow_symlinks: bool):
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_symlinks):
        dirnames.sort()
        for f in sorted(filenames):
            yield Path(dirpath) / f


def _excluded(rel: str, patterns: list[str]) -> bool:
    for pat in patterns:
        pat = pat.removeprefix("./")
        if rel == pat or fnmatch.fnmatchcase(rel, pat) or rel.startswith(pat.rstrip("/") + "/"):
            return True
    return False


def write_zip(out: Path, entries, file_mode: str | None = None) -> None:
    """Deflated entries with fixed timestamps, so the same inputs give the same bytes."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            perm = int(file_mode, 8) if file_mode else mode & 0o777
            info.external_attr = (0o100000 | perm) << 16
            info.create_system = 3  # unix, so the mode is honoured on extraction
            zf.writestr(info, data)


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()
