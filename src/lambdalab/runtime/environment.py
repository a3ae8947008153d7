"""One execution environment: a runtime-client subprocess running the learner's handler.

The environment owns the process, its log pipe and its slot on the Runtime API server, and
turns what happens to the process (a posted result, an exit, a timeout, too much memory) into
an :class:`~lambdalab.model.InvocationResult` plus CloudWatch-shaped log events, as AWS does.
It serves one invoke at a time; the service decides which environment gets which invoke.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from lambdalab.clock import Clock
from lambdalab.model import FunctionSpec, InvocationResult
from lambdalab.runtime import envvars, faults, procmem, sandbox
from lambdalab.runtime.apiserver import RuntimeApiServer
from lambdalab.runtime.frames import Frame, FrameParser, Line, Marker, Record, encode_marker
from lambdalab.runtime.logformat import (
    TASK_ROOT,
    Report,
    log_format,
    log_stream_name,
    retime_logging_line,
)

log = logging.getLogger(__name__)

INIT_TIMEOUT = 10.0  # AWS's limit for the init phase of on-demand functions
POLL = 0.02  # seconds between checks of the process while it initializes
# While an invoke runs, a dying process is noticed at once (its Runtime API connection drops,
# see ``connection_lost``); this is only the pace of the memory (OOM) check.
WATCH_POLL = 0.1
SYNC_TIMEOUT = 2.0
# Handlers run at a lower CPU priority than the lab that serves them. On AWS a handler's CPU
# is its own micro-VM's; on a laptop ten cold starts importing boto3 at once would otherwise
# starve the notebook and the local cloud (which the handlers themselves are waiting on).
# An idle machine gives them all the CPU they want: niceness only orders who waits. Mildly
# (4: about 40 % of a normal process's share): at 10 (about 10 %) any other busy program on the
# machine, a build or a second lab, starved handlers into timeouts AWS would not have.
ENV_NICENESS = 4
_POSIX = os.name == "posix"
SANDBOX = str(Path(sandbox.__file__).resolve())
STOP_GRACE = 5.0  # seconds the environment's root gets to kill its tree when asked


class LogSink(Protocol):
    """Where log events go (the lab writes them into CloudWatch Logs)."""

    def put(self, group: str, stream: str, events: list[tuple[int, str]]) -> None: ...


@dataclass
class _Call:
    request_id: str
    payload: bytes
    headers: dict[str, str]
    done: threading.Event = field(default_factory=threading.Event)  # the runtime posted
    wake: threading.Event = field(default_factory=threading.Event)  # done, or the runtime hung up
    body: bytes = b""
    error_type: str | None = None  # set when the runtime posted to /error


@dataclass(frozen=True)
class _Fault:
    """A failure the platform reports (not an exception the handler raised)."""

    error_type: str
    message: str
    log_message: str  # what the platform logs between START and END
    status: str  # REPORT Status: "timeout" | "error"
    payload: bytes | None = None  # the runtime's own document, for init errors


def new_trace_id(clock: Clock) -> str:
    h = uuid.uuid4().hex
    return f"Root=1-{int(clock.time()):08x}-{h[:24]};Parent={h[16:32]};Sampled=0"


class Environment:
    """A warm-able sandbox for one ``spec.environment_key``."""

    def __init__(
        self,
        spec: FunctionSpec,
        *,
        argv: list[str],
        runtime_dir: str,
        api: RuntimeApiServer,
        sink: LogSink,
        clock: Clock,
        endpoint_url: str,
        lifeline: int | None = None,
        extra_env: Mapping[str, str] | None = None,
        paths: Sequence[tuple[str, str]] = (),
        notice: str | None = None,
    ) -> None:
        self.spec = spec
        self.key = spec.environment_key
        self.clock = clock
        self.log_stream = log_stream_name(clock.now(), spec.version)
        self.busy = True
        self.invocations = 0
        self.last_used = clock.time()
        self.dead = False
        self.init_ms: float | None = None
        self.peak_kb = 0
        self.epoch = 0  # the lab generation it serves (see lambdalab.epoch)
        self._argv = argv
        self._runtime_dir = runtime_dir
        self._code_dir = ""
        self._rewrites: list[tuple[str, str]] = []
        self._api = api
        self._sink = sink
        self._endpoint_url = endpoint_url
        self._lifeline = lifeline
        self._extra_env = dict(extra_env or {})
        self._paths = list(paths)  # interpreter folders → AWS's, after the code folder
        self._notice = notice
        self._runtime_pid: int | None = None
        self._fmt = log_format(spec.log_format)
        self._work: queue.Queue[_Call | None] = queue.Queue()
        self._ready = threading.Event()
        self._ready_at = 0.0
        self._spawned_at = 0.0
        self._init_error: tuple[bytes, str | None] | None = None
        self._gone = threading.Event()
        self._current: _Call | None = None
        self._tail: list[str] | None = None
        self._tail_lock = threading.Lock()
        self._sync = threading.Condition()
        self._write_lock = threading.Lock()
        self._marker_seq = 0
        self._drained_seq = 0
        self._eof = False
        self._api_key: int | None = None
        self._pipe_w: int | None = None
        self.proc: subprocess.Popen | None = None
        self._spawned = threading.Event()  # self.proc is set (or the spawn failed)

    # ----------------------------------------------------------------- lifecycle

    @property
    def pid(self) -> int | None:
        """The runtime client's process (where the handler runs)."""
        if self.proc is None:
            return None
        if not _POSIX:
            return self.proc.pid
        if self._runtime_pid is None and not self.dead:
            # The sandbox's first child; later ones are orphans it adopted.
            first = sandbox.children(self.proc.pid)[:1]
            self._runtime_pid = first[0] if first else None
        return self._runtime_pid

    def start(self, code_dir: Path, credentials: Mapping[str, str]) -> None:
        """Spawn the runtime process (INIT begins; :meth:`invoke` waits for it)."""
        self._code_dir = os.path.realpath(code_dir)
        self._rewrites = [(d, TASK_ROOT) for d in {self._code_dir, str(code_dir)}]
        self._rewrites += self._paths
        self._emit(self._fmt.init_start(self.spec.runtime, self.spec.region, self.clock.now()))
        if self._notice:
            self._emit(self._notice)
        self._api_key, address = self._api.bind(self)
        env = envvars.build(
            self.spec,
            code_dir=self._code_dir,
            runtime_dir=self._runtime_dir,
            runtime_api=address,
            log_stream=self.log_stream,
            credentials=credentials,
            endpoint_url=self._endpoint_url,
            host_env=os.environ,
        )
        for name, value in self._extra_env.items():  # the function's own value comes first
            env[name] = os.pathsep.join(v for v in (env.get(name), value) if v)
        r, w = os.pipe()
        extra: dict = {}
        argv = [*self._argv, self.spec.handler]
        if _POSIX:
            env["_LAMBDA_TELEMETRY_LOG_FD"] = str(w)
            # Its own process group but the lab's session: Linux weighs CPU per session
            # ("autogroup"), so a new session per environment would undo the nice. The
            # sandbox process is the tree's root: it kills everything the handler started.
            extra = {"pass_fds": (w,), "process_group": 0}
            lifeline = -1
            if self._lifeline is not None:
                lifeline = self._lifeline
                extra["pass_fds"] = (w, lifeline)
            argv = [
                *(sys.executable, "-I", "-S", SANDBOX),
                *(str(os.getpid()), str(ENV_NICENESS), str(lifeline), "--"),
                *argv,
            ]
        self._spawned_at = time.perf_counter()
        try:
            self.proc = subprocess.Popen(
                argv,
                cwd=self._code_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=w,
                stderr=w,
                close_fds=True,
                **extra,
            )
        except OSError:
            os.close(r)
            os.close(w)
            self._api.unbind(self._api_key)
            self._spawned.set()
            raise
        self._spawned.set()
        self._pipe_w = w  # kept: the parent writes sync markers into the same pipe
        threading.Thread(target=self._read_loop, args=(r,), daemon=True).start()

    def stop(self) -> None:
        """Kill the process (and anything it started) and release its port."""
        self.dead = True
        self._gone.set()
        self._work.put(None)
        self._kill()
        if self._api_key is not None:
            self._api.unbind(self._api_key)
            self._api_key = None
        with self._write_lock:
            w, self._pipe_w = self._pipe_w, None
        if w is not None:
            os.close(w)

    def _kill(self) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                if _POSIX:  # the sandbox kills its whole tree, then itself
                    os.kill(proc.pid, signal.SIGTERM)
                else:
                    proc.kill()
            except (ProcessLookupError, PermissionError):
                pass
        try:
            proc.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            log.warning("environment process %s did not stop: killing its tree", proc.pid)
            tree = sandbox.process_tree(proc.pid)
            for pid in reversed(tree):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            proc.wait()

    def memory(self) -> procmem.Memory | None:
        pid = self.pid if not self.dead else None
        mem = procmem.read(pid) if pid is not None else None
        if mem is not None:
            self.peak_kb = max(self.peak_kb, mem.peak_kb)
        return mem

    # ------------------------------------------------------------- Runtime API side

    def next_invocation(self) -> _Call | None:
        if not self._ready.is_set():
            self._ready_at = time.perf_counter()
            self._ready.set()
        while not self._gone.is_set():
            try:
                call = self._work.get(timeout=0.5)
            except queue.Empty:
                continue
            return call
        return None

    def post_result(self, request_id: str, body: bytes, error_type: str | None) -> bool:
        call = self._current
        if call is None or call.request_id != request_id or call.done.is_set():
            return False
        call.body = body
        call.error_type = error_type
        call.done.set()
        call.wake.set()
        return True

    def connection_lost(self) -> None:
        """A Runtime API connection closed: if the process died, the watcher should know now."""
        call = self._current
        if call is not None:
            call.wake.set()

    def post_init_error(self, body: bytes, error_type: str | None) -> None:
        self._init_error = (body, error_type)

    def root_pid(self) -> int | None:
        """The process whose tree may use this environment's Runtime API."""
        self._spawned.wait(INIT_TIMEOUT)  # a runtime may connect before Popen has returned
        proc = self.proc
        return proc.pid if proc is not None and not self.dead else None

    # ------------------------------------------------------------------- invoke

    def invoke(
        self,
        payload: bytes,
        request_id: str,
        trace_id: str,
        client_context: str | None = None,
    ) -> InvocationResult:
        spec = self.spec
        cold = self.init_ms is None
        if cold:
            fault = self._await_init(request_id)
            self._sync_logs()  # INIT output belongs before START
            if fault is not None:
                return self._init_failure(request_id, fault)
        start = self.clock.now()
        with self._tail_lock:
            self._tail = []
        self._emit(self._fmt.start(request_id, spec.version, start))
        headers = {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int((time.time() + spec.timeout) * 1000)),
            "Lambda-Runtime-Invoked-Function-Arn": spec.arn,
            "Lambda-Runtime-Trace-Id": trace_id,
        }
        if client_context:
            headers["Lambda-Runtime-Client-Context"] = client_context
        call = _Call(request_id, payload, headers)
        self._current = call
        t0 = time.perf_counter()
        self._work.put(call)
        fault = self._watch(call, t0)
        duration_ms = (time.perf_counter() - t0) * 1000
        if fault is None:
            # VmHWM keeps the peak: a spike between two polls still ends as AWS would end it.
            fault = self._over_memory(request_id)
        if fault is not None:
            self.dead = True
            self._kill()
            if fault.status == "timeout":
                duration_ms = spec.timeout * 1000
        self._sync_logs()
        self._current = None
        init_ms = self.init_ms if cold else None
        if fault is None:
            result = self._result_from_runtime(call)
            report = Report(request_id, duration_ms, spec.memory_size, self._max_mb(), init_ms)
        else:
            result = self._result_from_fault(request_id, fault)
            report = self._report_fault(request_id, fault, start, duration_ms, init_ms)
        return self._finish(result, report, start, init_ms)

    def _report_fault(
        self,
        request_id: str,
        fault: _Fault,
        start: datetime,
        duration_ms: float,
        init_ms: float | None,
    ) -> Report:
        """Log the platform's line for ``fault`` and return the REPORT that ends the invoke."""
        spec = self.spec
        if fault.status == "timeout":
            self._emit(self._fmt.timed_out(request_id, spec.timeout, self.clock.now()))
        else:
            self._emit(self._fmt.runtime_fault(fault.log_message, fault.error_type, start))
        used = spec.memory_size if fault.error_type == faults.OOM else self._max_mb()
        error_type = fault.error_type if fault.status == "error" else None
        return Report(
            request_id, duration_ms, spec.memory_size, used, init_ms, fault.status, error_type
        )

    def _finish(
        self, result: InvocationResult, report: Report, start: datetime, init_ms: float | None
    ) -> InvocationResult:
        end = self.clock.now()
        self._emit(self._fmt.end(report.request_id, end), self._fmt.report(report, end))
        with self._tail_lock:
            tail, self._tail = self._tail or [], None
        result.log_tail = "".join(m if m.endswith("\n") else m + "\n" for m in tail)
        result.log_stream = self.log_stream
        result.start, result.end = start, end
        result.duration_ms = report.duration_ms
        result.init_duration_ms = init_ms
        self.invocations += 1
        return result

    def _await_init(self, request_id: str) -> _Fault | None:
        deadline = self._spawned_at + INIT_TIMEOUT
        while True:
            if self._ready.wait(POLL):
                self.init_ms = (self._ready_at - self._spawned_at) * 1000
                return None
            fault = self._check_process(request_id)
            if fault is None and time.perf_counter() >= deadline:
                msg = faults.timeout_message(request_id, self.spec.timeout)
                fault = _Fault(faults.TIMEOUT, msg, "", "timeout")
            if fault is not None:
                self.init_ms = (time.perf_counter() - self._spawned_at) * 1000
                self.dead = True
                self._kill()
                if self._init_error is not None:  # the runtime said why before it exited
                    return self._init_fault(*self._init_error)
                return fault

    def _init_fault(self, body: bytes, header_type: str | None) -> _Fault:
        body = self._rewrite_paths(body)
        try:
            error_type = json.loads(body).get("errorType") or header_type or "Runtime.Unknown"
        except (ValueError, AttributeError):
            error_type = header_type or "Runtime.Unknown"
        return _Fault(error_type, "", "Unknown application error occurred", "error", body)

    def _watch(self, call: _Call, t0: float) -> _Fault | None:
        deadline = t0 + self.spec.timeout
        pace = WATCH_POLL
        while True:
            remaining = deadline - time.perf_counter()
            woken = call.wake.wait(min(pace, max(remaining, 0.0)))
            if call.done.is_set():
                return None
            if woken:  # the runtime hung up; the exit may take a moment to be visible
                call.wake.clear()
                pace = POLL
            fault = self._check_process(call.request_id)
            if fault is not None:
                return None if call.done.is_set() else fault
            if time.perf_counter() >= deadline:
                msg = faults.timeout_message(call.request_id, self.spec.timeout)
                return _Fault(faults.TIMEOUT, msg, "", "timeout")

    def _check_process(self, request_id: str) -> _Fault | None:
        assert self.proc is not None
        returncode = self.proc.poll()
        if returncode is not None:
            msg = faults.exit_message(request_id, returncode)
            return _Fault(faults.EXIT, msg, msg, "error")
        return self._over_memory(request_id)

    def _over_memory(self, request_id: str) -> _Fault | None:
        self.memory()
        if procmem.can_watch_peak() and self.peak_kb > self.spec.memory_size * 1024:
            msg = faults.oom_message(request_id)
            return _Fault(faults.OOM, msg, msg, "error")
        return None

    def _init_failure(self, request_id: str, fault: _Fault) -> InvocationResult:
        """INIT failed: AWS still runs the invoke phase, and it fails with the init error."""
        spec = self.spec
        init_ms = self.init_ms or 0.0
        if fault.status == "error":
            self._emit(self._fmt.init_report(init_ms, fault.error_type, self.clock.now()))
        start = self.clock.now()
        with self._tail_lock:
            self._tail = []
        self._emit(self._fmt.start(request_id, spec.version, start))
        if fault.payload is not None:
            call = _Call(request_id, b"", {}, body=fault.payload, error_type=fault.error_type)
            result = self._result_from_runtime(call)
        else:
            result = self._result_from_fault(request_id, fault)
        # The failed INIT's time is reported as the Duration; REPORT has no Init Duration.
        report = self._report_fault(request_id, fault, start, init_ms, None)
        return self._finish(result, report, start, None)

    def _result_from_runtime(self, call: _Call) -> InvocationResult:
        if call.error_type is None:
            return InvocationResult(call.request_id, call.body)
        body = self._rewrite_paths(call.body)
        error_type, message = call.error_type, None
        try:
            doc = json.loads(body)
            error_type = doc.get("errorType") or error_type
            message = doc.get("errorMessage")
        except (ValueError, AttributeError):
            pass
        return InvocationResult(
            call.request_id,
            body,
            function_error="Unhandled",
            error_type=error_type or "Runtime.Unknown",
            error_message=message,
        )

    @staticmethod
    def _result_from_fault(request_id: str, fault: _Fault) -> InvocationResult:
        return InvocationResult(
            request_id,
            faults.error_document(fault.message, fault.error_type),
            function_error="Unhandled",
            error_type=fault.error_type,
            error_message=fault.message,
        )

    def _max_mb(self) -> int:
        return -(-self.peak_kb // 1024)

    # -------------------------------------------------------------------- logs

    def _rewrite_paths(self, body: bytes) -> bytes:
        """This machine's folders as AWS's in an error document (JSON-escaped)."""
        for here, aws in self._rewrites:
            body = body.replace(json.dumps(here)[1:-1].encode(), json.dumps(aws)[1:-1].encode())
        return body

    def _to_task_root(self, text: str) -> str:
        for here, aws in self._rewrites:
            text = text.replace(here, aws)
        return text

    def _emit(self, *messages: str) -> None:
        """Write platform lines (START, END, REPORT, ...) to the stream and the tail."""
        messages = tuple(m for m in messages if m)
        if not messages:
            return
        with self._tail_lock:
            if self._tail is not None:
                self._tail.extend(messages)
        millis = self.clock.millis()
        self._put([(millis, message) for message in messages])

    def _put(self, events: list[tuple[int, str]]) -> None:
        try:
            self._sink.put(self.spec.log_group, self.log_stream, events)
        except Exception:  # a broken sink must not take the environment down
            log.exception("log sink failed")

    def _message(self, record: Line | Frame) -> str:
        text = record.text
        if isinstance(record, Line):
            if text.startswith("[ERROR]") and "\r" in text:
                # awslambdaric without a telemetry fd joins the record's lines with \r
                text = text.rstrip("\n").replace("\r", "\n")
        elif not record.is_error:
            text = retime_logging_line(text, self.clock.now())
        return self._to_task_root(text)

    def _read_loop(self, fd: int) -> None:
        parser = FrameParser()
        try:
            while True:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                self._deliver(parser.feed(data))
            self._deliver(parser.flush())
        finally:
            os.close(fd)
            with self._sync:
                self._eof = True
                self._sync.notify_all()

    def _deliver(self, records: list[Record]) -> None:
        events: list[tuple[int, str]] = []
        for record in records:
            if isinstance(record, Marker):
                if events:
                    self._put(events)
                    events = []
                with self._sync:
                    self._drained_seq = max(self._drained_seq, record.seq)
                    self._sync.notify_all()
                continue
            message = self._message(record)
            if not message:
                continue
            with self._tail_lock:
                if self._tail is not None:
                    self._tail.append(message)
            events.append((self.clock.millis(), message))
        if events:
            self._put(events)

    def _sync_logs(self) -> None:
        """Return once everything the process wrote so far has reached the sink."""
        with self._sync:
            if self._eof:
                return
            self._marker_seq += 1
            seq = self._marker_seq
        with self._write_lock:  # not under _sync: a full pipe must not block the reader
            if self._pipe_w is None:
                return
            try:
                os.write(self._pipe_w, encode_marker(seq))
            except OSError:
                return
        with self._sync:
            self._sync.wait_for(lambda: self._drained_seq >= seq or self._eof, SYNC_TIMEOUT)
