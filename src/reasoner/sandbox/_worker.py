"""The program that runs inside the sandbox: waits for one untrusted program, runs it, reports.

It is executed as a script by a fresh interpreter (`python -I -S -B worker.py ...`), inside
bubblewrap or, in the fallback mode, as a plain child process. It imports only the standard
library, because nothing of reasoner is visible in the sandbox.

Protocol (the harness side is `process.py`):
1. argv carries trusted settings from the harness: the status fd, the site directory holding
   the allowed packages, the modules to pre-import, an optional uid to drop to.
2. After pre-importing, the worker writes `R\\n` on the status fd: it is ready.
3. It reads one request from stdin until EOF: code, inputs, limits, in `marshal` format (the
   harness, which wrote it, runs this very interpreter; marshal needs no import).
4. It applies the limits (rlimits) to itself, binds the inputs as globals, runs the code, flushes
   stdout/stderr and writes one JSON line on the status fd, then exits at once (`os._exit`).

A worker is born for every program, so it imports next to nothing before it is ready (json,
traceback, socket and contextlib cost a birth 15 ms of CPU): the status line is written by
`_json_line`, and traceback is imported only to describe an exception.

The status line comes from inside the sandbox, so a program can forge its own status; the
harness therefore trusts it only for the program's own outcome, never for the limits it enforces.
"""

from __future__ import annotations

import builtins
import errno
import marshal
import os
import resource
import sys

PROGRAM_FILENAME = "<program>"
MAX_ERROR_CHARS = 1000
# Network failures that, inside the sandbox, mean "there is no network" (EAFNOSUPPORT: the
# seccomp filter refuses every socket but a unix pair).
NETWORK_ERRNOS = {
    errno.EAFNOSUPPORT,
    errno.ENETUNREACH,
    errno.EHOSTUNREACH,
    errno.ECONNREFUSED,
    errno.EADDRNOTAVAIL,
    errno.ENETDOWN,
}


def _parse_args(argv: list[str]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for arg in argv:
        key, _, value = arg.partition("=")
        settings[key.lstrip("-")] = value
    return settings


def _set_limit(kind: int, value: int) -> None:
    # Soft and hard equal: a program without CAP_SYS_RESOURCE cannot raise them again.
    resource.setrlimit(kind, (value, value))


def _apply_limits(request: dict) -> None:
    timeout = float(request["timeout"])
    memory = int(request["memory_mb"]) * 1024 * 1024
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_used = usage.ru_utime + usage.ru_stime
    # CPU seconds are a backstop for the harness's wall-clock timer, counted from now.
    _set_limit(resource.RLIMIT_CPU, int(-(-(cpu_used + timeout) // 1)) + 1)
    _set_limit(resource.RLIMIT_AS, memory)
    _set_limit(resource.RLIMIT_FSIZE, int(request["file_mb"]) * 1024 * 1024)
    _set_limit(resource.RLIMIT_NOFILE, int(request["max_open_files"]))
    _set_limit(resource.RLIMIT_CORE, 0)
    # Only binds for a non-root real uid (the kernel exempts root); the pids cgroup is the real cap.
    _set_limit(resource.RLIMIT_NPROC, int(request["max_processes"]))
    # Per-user kernel quotas: queued signals (sigqueue, timers), message queue bytes, locked
    # memory. Each run has a host uid of its own; these caps bound what one run holds there.
    _set_limit(resource.RLIMIT_SIGPENDING, int(request["max_pending_signals"]))
    _set_limit(resource.RLIMIT_MSGQUEUE, 0)
    _set_limit(resource.RLIMIT_MEMLOCK, 0)
    _set_limit(resource.RLIMIT_RTPRIO, 0)  # an inherited real-time priority would starve the host


def _program_line(exc: BaseException) -> int | None:
    # No import here: a program may have used up its file descriptors or memory.
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == PROGRAM_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None and isinstance(exc, SyntaxError) and exc.filename == PROGRAM_FILENAME:
        line = exc.lineno
    return line


def _describe(exc: BaseException, isolated: bool) -> str:
    if isinstance(exc, SyntaxError):
        message = f"{type(exc).__name__}: {exc.msg}"
    else:
        text = str(exc)
        message = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    line = _program_line(exc)
    where = f" (line {line})" if line is not None else ""
    if isolated and _network_blocked(exc):
        message = f"blocked: network is not available ({message})"
    if len(message) > MAX_ERROR_CHARS:
        message = message[:MAX_ERROR_CHARS] + "..."
    return message + where


def _network_blocked(exc: BaseException) -> bool:
    # socket is imported only if the program did (it costs a worker's start 3 ms otherwise);
    # urllib wraps the OSError in URLError.reason.
    socket = sys.modules.get("socket")
    for candidate in (exc, getattr(exc, "reason", None)):
        if socket is not None and isinstance(candidate, getattr(socket, "gaierror", ())):
            return True
        if isinstance(candidate, OSError) and candidate.errno in NETWORK_ERRNOS:
            return True
    return False


def _flush_streams() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except BaseException:  # a program may have closed or replaced its streams
            pass


def _json_string(text: str) -> str:
    """`text` as a JSON string literal, ASCII only (what json.dumps writes, without json)."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code > 0xFFFF:  # a surrogate pair, as JSON spells characters beyond the BMP
            code -= 0x10000
            out.append(f"\\u{0xD800 | code >> 10:04x}\\u{0xDC00 | code & 0x3FF:04x}")
        else:
            out.append(f"\\u{code:04x}")
    return '"' + "".join(out) + '"'


def _json_line(status: dict) -> bytes:
    fields = [f'"kind": "{status["kind"]}"', f'"exit_code": {int(status["exit_code"])}']
    if "error" in status:
        fields.append(f'"error": {_json_string(status["error"])}')
    return ("{" + ", ".join(fields) + "}\n").encode()


def _report(status_fd: int, status: dict) -> None:
    _flush_streams()
    try:  # noqa: SIM105 (contextlib is one more import at every birth)
        os.write(status_fd, _json_line(status))
    except OSError:
        pass


def _run(code: str, inputs: dict, isolated: bool, main_pid: int) -> tuple[dict, int]:
    namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
    namespace.update(inputs)
    try:
        compiled = compile(code, PROGRAM_FILENAME, "exec")
        exec(compiled, namespace)
    except SystemExit as exc:
        if os.getpid() != main_pid:
            raise
        code_value = exc.code
        if code_value is None or code_value is True or code_value is False:
            status_code = int(bool(code_value))
        elif isinstance(code_value, int):
            status_code = code_value & 0xFF
        else:
            print(code_value, file=sys.stderr)
            status_code = 1
        return {"kind": "exit", "exit_code": status_code}, status_code
    except MemoryError:
        namespace.clear()  # give memory back before reporting
        if os.getpid() != main_pid:
            raise
        return {"kind": "memory", "exit_code": 1}, 1
    except BaseException as exc:
        if os.getpid() != main_pid:
            raise
        # CPython sometimes reports a failed allocation deep in the interpreter (a frame pushed
        # at the address-space limit) as "error return without exception set", not MemoryError.
        if isinstance(exc, SystemError) and _address_space_exhausted():
            namespace.clear()
            return {"kind": "memory", "exit_code": 1}, 1
        try:
            import linecache
            import traceback

            lines = code.splitlines(True)
            linecache.cache[PROGRAM_FILENAME] = (len(code), None, lines, PROGRAM_FILENAME)
            # Start the traceback at the program's own frames: the worker's are noise.
            tb = exc.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename != PROGRAM_FILENAME:
                tb = tb.tb_next
            traceback.print_exception(type(exc), exc, tb, file=sys.stderr)
        except BaseException:
            pass
        return {"kind": "error", "error": _describe(exc, isolated), "exit_code": 1}, 1
    return {"kind": "done", "exit_code": 0}, 0


# Within this much of RLIMIT_AS, an allocation of a frame or an object can fail.
_ADDRESS_SPACE_SLACK = 16 * 1024 * 1024


def _address_space_exhausted() -> bool:
    """Whether this process's peak address space reached its RLIMIT_AS."""
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit == resource.RLIM_INFINITY:
        return False
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmPeak:"):
                    return int(line.split()[1]) * 1024 >= limit - _ADDRESS_SPACE_SLACK
    except (OSError, ValueError, IndexError):
        pass
    return False


def _die_with_parent() -> None:
    """Without bubblewrap's --die-with-parent, ask the kernel to kill us if the harness dies."""
    import ctypes

    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
    if os.getppid() != parent:  # the harness died before the request took effect
        os._exit(1)


def main(argv: list[str]) -> None:
    settings = _parse_args(argv)
    if settings.get("pdeathsig") == "1":
        _die_with_parent()
    status_fd = int(settings["status-fd"])
    isolated = settings.get("isolated") == "1"
    if settings.get("site"):
        sys.path.append(settings["site"])
    for name in filter(None, settings.get("preload", "").split(",")):
        try:  # noqa: SIM105 (contextlib is one more import at every birth)
            __import__(name)
        except Exception:  # a missing optional package must not stop the worker
            pass
    if settings.get("uid"):
        uid = int(settings["uid"])
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    os.set_inheritable(status_fd, False)
    os.write(status_fd, b"R\n")

    raw = sys.stdin.buffer.read()
    if not raw:  # the harness discarded this worker without a program
        os._exit(0)
    request = marshal.loads(raw)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    _apply_limits(request)

    main_pid = os.getpid()
    try:
        status, exit_code = _run(request["code"], request["inputs"], isolated, main_pid)
    except BaseException:
        # Only a process the program forked gets here: it must not report for the worker.
        _flush_streams()
        os._exit(1)
    if os.getpid() != main_pid:
        _flush_streams()
        os._exit(0)
    _report(status_fd, status)
    os._exit(exit_code)


if __name__ == "__main__":
    main(sys.argv[1:])
