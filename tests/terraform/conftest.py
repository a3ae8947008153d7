"""A fake in-memory cloud with fake resource types, so engine tests need no AWS handlers."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest

from lambdalab.terraform import builtin
from lambdalab.terraform.resources import base


class FakeCloud:
    """Objects by (type, id); ``fail_on`` makes the next create of a name fail."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict] = {}
        self.calls: list[tuple[str, str]] = []
        self.fail_on: set[str] = set()
        self.fail_delete: set[str] = set()
        self.counter = itertools.count(1)


CLOUD = FakeCloud()


class _FakeResource(base.ResourceType):
    """read/update/delete of a fake object stored in CLOUD under (kind, id)."""

    kind = ""

    def read(self, ctx, attrs):
        found = CLOUD.objects.get((self.kind, attrs["id"]))
        return dict(found) if found else None

    def update(self, ctx, old, args):
        CLOUD.calls.append(("update", old["id"]))
        attrs = {**old, **args}
        CLOUD.objects[(self.kind, old["id"])] = attrs
        return attrs

    def delete(self, ctx, attrs):
        CLOUD.calls.append(("delete", attrs["id"]))
        CLOUD.objects.pop((self.kind, attrs["id"]), None)


class FakeBucket(_FakeResource):
    type_name = "fake_bucket"
    kind = "bucket"
    force_new = frozenset({"bucket"})
    computed = frozenset({"arn", "id"})
    defaults = {"force_destroy": False}

    def create(self, ctx, args):
        name = args["bucket"]
        CLOUD.calls.append(("create", name))
        if name in CLOUD.fail_on:
            raise base.ResourceError("BucketAlreadyExists", f"The bucket {name} already exists")
        attrs = {"force_destroy": False, "tags": None, **args, "id": name}
        attrs["arn"] = f"arn:aws:s3:::{name}"
        CLOUD.objects[("bucket", name)] = attrs
        return attrs

    def delete(self, ctx, attrs):
        if attrs["id"] in CLOUD.fail_delete:
            CLOUD.calls.append(("delete", attrs["id"]))
            raise base.ResourceError(
                "BucketNotEmpty", "The bucket you tried to delete is not empty"
            )
        super().delete(ctx, attrs)


class FakeRole(_FakeResource):
    type_name = "fake_role"
    kind = "role"
    force_new = frozenset({"name"})
    computed = frozenset({"arn", "id", "unique_id"})

    def create(self, ctx, args):
        CLOUD.calls.append(("create", args["name"]))
        n = next(CLOUD.counter)
        attrs = {"description": None, **args, "id": args["name"], "unique_id": f"AROA{n:04d}"}
        attrs["arn"] = f"arn:aws:iam::{ctx.account_id}:role/{args['name']}"
        CLOUD.objects[("role", args["name"])] = attrs
        return attrs


class FakeFile(base.DataSource):
    type_name = "fake_file"

    def read(self, ctx, args):
        text = (ctx.module_dir / args["path"]).read_text()
        return {**args, "id": args["path"], "content": text, "length": len(text)}


@pytest.fixture(autouse=True)
def fake_registry(request):
    """Register the fakes for one test and reset the fake cloud (not for resources/ tests)."""
    if "resources" in request.node.path.parts:
        yield CLOUD
        return
    saved = (dict(base.RESOURCE_TYPES), dict(base.DATA_SOURCES))
    base.RESOURCE_TYPES.update({"fake_bucket": FakeBucket(), "fake_role": FakeRole()})
    base.DATA_SOURCES["fake_file"] = FakeFile()
    CLOUD.__init__()
    yield CLOUD
    base.RESOURCE_TYPES.clear()
    base.RESOURCE_TYPES.update(saved[0])
    base.DATA_SOURCES.clear()
    base.DATA_SOURCES.update(saved[1])


def _ctx(region: str, module_dir: Path) -> base.ApplyContext:
    return base.ApplyContext(region, "123456789012", Path(module_dir))


class TF:
    """Runs the built-in engine in one directory and keeps the text it printed."""

    def __init__(self, directory: Path):
        self.dir = directory

    def write(self, name: str, text: str) -> None:
        (self.dir / name).write_text(text)

    def __call__(self, *args: str, stdin: str = "", env: dict | None = None) -> tuple[int, str]:
        out = io.StringIO()
        code = builtin.run(
            list(args),
            chdir=self.dir,
            ctx_factory=_ctx,
            out=out,
            stdin=io.StringIO(stdin),
            env=env or {},
        )
        return code, out.getvalue()


@pytest.fixture
def tf(tmp_path) -> TF:
    return TF(tmp_path)
