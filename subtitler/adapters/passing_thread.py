"""CTranslate2 models built in a thread of their own that ends once the model is built.

CTranslate2 sets its OpenMP thread count in the thread that builds a model, and runs OpenMP code there while it
loads the weights. With GNU OpenMP (libgomp, which CTranslate2's Linux wheels ship), that thread keeps an idle
OpenMP team for as long as it lives. Built in Python's main thread, that team stays for the whole process. With
`intra_threads` = every core, libgomp then manages more threads than the machine has cores, and so shortens the
spin-waits of the threads that do the work: they sleep in the kernel between every small step. On 2 cores,
`base`'s batched transcription of the sonnet took 2.2 to 2.6 s after a build in the main thread, and 1.4 to 1.7 s
after a build in a thread that ended (the words the same; README, Benchmark). A thread that ends takes its team
with it, whatever OpenMP runtime is in use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def start(make: Callable[[], T], name: str) -> Future[T]:
    """`make()` called in a new thread, which ends with it; its result (or what it raised) in the Future. The
    thread is not a daemon, so a process that ends meanwhile waits for it rather than cut it short."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(make())
        except BaseException as exc:  # handed to whoever waits for the result
            future.set_exception(exc)

    threading.Thread(target=run, name=name).start()
    return future


def built(make: Callable[[], T], name: str) -> T:
    """`make()` called in a new thread that ends with it, waited for."""
    return start(make, name).result()
