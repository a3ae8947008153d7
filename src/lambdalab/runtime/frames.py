"""Split an environment's output pipe into log records.

stdout, stderr and awslambdaric's telemetry frames (``_LAMBDA_TELEMETRY_LOG_FD``) share ONE
pipe so their order is kept. Plain output becomes one record per line, as on AWS; a telemetry
frame (``logging`` line, ``[ERROR]`` record) stays one record even when it spans lines. The
parent writes its own marker frames into the same pipe to learn when everything the child
wrote before an event has been read.
"""

from __future__ import annotations

from dataclasses import dataclass

MAGIC = b"\xa5\x5a"
HEADER_SIZE = 16  # type (4) + length (4) + timestamp in microseconds (8), big-endian
MARKER_TYPE = 0xA55AFFFF
TEXT_ERROR_TYPE = 0xA55A0017
JSON_ERROR_TYPE = 0xA55A0016
_LOG_TYPES = {0xA55A0000 | low for low in (0x02, 0x03, 0x0A, 0x0B, 0x0E, 0x0F, 0x12, 0x13)}
FRAME_TYPES = _LOG_TYPES | {0xA55A001A, 0xA55A001B, TEXT_ERROR_TYPE, JSON_ERROR_TYPE, MARKER_TYPE}
_MAX_FRAME = 64 << 20


@dataclass(frozen=True)
class Line:
    """One line of plain stdout/stderr output (ends with ``\\n`` unless cut off)."""

    text: str


@dataclass(frozen=True)
class Frame:
    """One telemetry record written by the runtime client."""

    type: int
    timestamp_us: int
    text: str

    @property
    def is_error(self) -> bool:
        return self.type in (TEXT_ERROR_TYPE, JSON_ERROR_TYPE)


@dataclass(frozen=True)
class Marker:
    """A sync point written by the parent."""

    seq: int


Record = Line | Frame | Marker


def encode_frame(type_: int, payload: bytes, timestamp_us: int = 0) -> bytes:
    return (
        type_.to_bytes(4, "big")
        + len(payload).to_bytes(4, "big")
        + timestamp_us.to_bytes(8, "big")
        + payload
    )


def encode_marker(seq: int) -> bytes:
    return encode_frame(MARKER_TYPE, str(seq).encode())


def _frame_start(buf: bytes | bytearray, start: int) -> int:
    """Index of the next plausible frame header at or after ``start``, or -1."""
    i = buf.find(MAGIC, start)
    while i != -1:
        if len(buf) - i < 4:
            return i  # maybe a header still arriving
        if int.from_bytes(buf[i : i + 4], "big") in FRAME_TYPES:
            return i
        i = buf.find(MAGIC, i + 1)
    return -1


class FrameParser:
    """Incremental parser: :meth:`feed` bytes, get complete records back in order."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Record]:
        self._buf += data
        out: list[Record] = []
        buf = self._buf
        pos = 0
        while pos < len(buf):
            frame_at = _frame_start(buf, pos)
            if frame_at == pos:
                if len(buf) - pos < HEADER_SIZE:
                    break
                type_ = int.from_bytes(buf[pos : pos + 4], "big")
                size = int.from_bytes(buf[pos + 4 : pos + 8], "big")
                if type_ not in FRAME_TYPES or size > _MAX_FRAME:
                    # not a frame after all: treat the magic bytes as text
                    nl = buf.find(b"\n", pos)
                    end = len(buf) if nl == -1 else nl + 1
                    if nl == -1:
                        break
                    out.append(Line(_decode(buf[pos:end])))
                    pos = end
                    continue
                if len(buf) - pos < HEADER_SIZE + size:
                    break
                ts = int.from_bytes(buf[pos + 8 : pos + 16], "big")
                payload = bytes(buf[pos + HEADER_SIZE : pos + HEADER_SIZE + size])
                pos += HEADER_SIZE + size
                if type_ == MARKER_TYPE:
                    out.append(Marker(int(payload or b"0")))
                else:
                    out.append(Frame(type_, ts, _decode(payload)))
                continue
            nl = buf.find(b"\n", pos)
            if nl != -1 and (frame_at == -1 or nl < frame_at):
                out.append(Line(_decode(buf[pos : nl + 1])))
                pos = nl + 1
            elif frame_at != -1:
                # a partial line (print(..., end="")) cut by a frame: it is a record of its own
                out.append(Line(_decode(buf[pos:frame_at])))
                pos = frame_at
            else:
                break
        del buf[:pos]
        return out

    def flush(self) -> list[Record]:
        """Return a pending partial line (at a sync point or end of file)."""
        if not self._buf or _frame_start(self._buf, 0) == 0:
            return []
        text = _decode(self._buf)
        self._buf.clear()
        return [Line(text)]


def _decode(data: bytes | bytearray) -> str:
    return bytes(data).decode("utf-8", errors="replace")
