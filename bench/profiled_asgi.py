"""The app (asgi:application) with a CPU-weighted sampling profiler inside the
daphne process that serves it.

cProfile cannot do this on Python 3.12: it is one process-wide sys.monitoring
tool with one call stack, and daphne runs a request on two threads (the event
loop and an asgiref worker thread per request). So a thread samples every
thread's stack each BENCH_PROFILE_INTERVAL seconds and charges it the CPU time
the thread used since the previous sample (its pthread CPU clock): waiting on a
socket costs nothing. Sampling starts after BENCH_PROFILE_WARMUP requests; a
request to DUMP_PATH (once the load has stopped) writes BENCH_PROFILE_OUT (JSON:
requests, CPU by thread kind, CPU by stack).

    BENCH_PROFILE_OUT=/tmp/me.json daphne -p 8001 bench.profiled_asgi:app
"""

from __future__ import annotations

import collections
import json
import os
import sys
import threading
import time

from asgi import application

OUT = os.environ["BENCH_PROFILE_OUT"]
WARMUP = int(os.environ.get("BENCH_PROFILE_WARMUP", "200"))
INTERVAL = float(os.environ.get("BENCH_PROFILE_INTERVAL", "0.001"))
DUMP_PATH = "/__bench/profile-dump"

_state = {"requests": 0, "profiled": 0, "on": False}
_stacks: collections.Counter[tuple[str, tuple[str, ...]]] = collections.Counter()
_lock = threading.Lock()


def _frame_name(frame) -> str:
    code = frame.f_code
    return f"{code.co_filename}:{code.co_firstlineno}:{code.co_qualname}"


def _kind(ident: int, main: int) -> str:
    if ident == main:
        return "main (event loop)"
    thread = threading._active.get(ident)  # type: ignore[attr-defined]
    name = thread.name if thread else "?"
    return "asgiref worker" if name.startswith("ThreadPoolExecutor") else f"other ({name})"


def _sampler() -> None:
    me = threading.get_ident()
    main = threading.main_thread().ident
    last: dict[int, float] = {}
    while True:
        time.sleep(INTERVAL)
        if not _state["on"]:
            continue
        frames = sys._current_frames()
        with _lock:
            for ident, frame in frames.items():
                if ident == me:
                    continue
                try:
                    cpu = time.clock_gettime(time.pthread_getcpuclockid(ident))
                except OSError:  # the thread ended
                    continue
                used = cpu - last.get(ident, cpu)
                last[ident] = cpu
                if used <= 0:
                    continue
                stack = []
                while frame is not None:
                    stack.append(_frame_name(frame))
                    frame = frame.f_back
                _stacks[(_kind(ident, main), tuple(reversed(stack)))] += used


def _dump() -> None:
    with _lock:
        rows = [[kind, list(stack), cpu] for (kind, stack), cpu in _stacks.items()]
    with open(OUT, "w") as out:
        json.dump({"requests": _state["profiled"], "stacks": rows}, out)


threading.Thread(target=_sampler, name="bench-sampler", daemon=True).start()


async def app(scope, receive, send) -> None:
    if scope["type"] == "http" and scope["path"] == DUMP_PATH:
        _state["on"] = False
        _dump()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"dumped"})
        return
    if scope["type"] == "http":
        _state["requests"] += 1
        if _state["on"]:
            _state["profiled"] += 1
        elif _state["requests"] > WARMUP:
            _state["on"] = True
            _state["profiled"] = 1
    await application(scope, receive, send)
