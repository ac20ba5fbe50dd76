"""A real RabbitMQ server and real `subtitler worker` processes for the tests, on 127.0.0.1 at free ports, in a
temporary folder (its data survives a restart there, as a server's does)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")  # Debian's rabbitmq-server, without its su wrapper
USER, PASSWORD = "subtitler", "test-Pa55word"
START_S = 60


def available() -> bool:
    return SERVER.is_file() and shutil.which("erl") is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def amqp_answers(port: int) -> bool:
    """The server takes AMQP connections with our user (not only TCP: it listens before it is ready)."""
    from kombu import Connection

    try:
        with Connection(f"amqp://{USER}:{PASSWORD}@127.0.0.1:{port}//", connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@dataclass
class RabbitMQ:
    folder: Path
    consumer_timeout_ms: int = 3_600_000
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://{USER}:{PASSWORD}@127.0.0.1:{self.port}//"

    def __post_init__(self) -> None:
        self.epmd_port = free_port()
        self.dist_port = free_port()

    def _env(self) -> dict[str, str]:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            f"consumer_timeout = {self.consumer_timeout_ms}\n"
            f"default_user = {USER}\ndefault_pass = {PASSWORD}\n",
            encoding="utf-8",
        )
        (self.folder / "enabled_plugins").write_text("[].\n", encoding="utf-8")
        return {
            **os.environ,
            "HOME": str(self.folder),  # its Erlang cookie
            "RABBITMQ_NODENAME": f"subtitler{self.port}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.folder / "pid"),
            "RABBITMQ_LOGS": str(self.folder / "server.log"),
        }

    def start(self) -> RabbitMQ:
        """Start (or start again, on the same data)."""
        env = self._env()
        # Erlang's port mapper, ours alone (on its own port, local only), so that stopping it stops nothing else.
        subprocess.run(["epmd", "-port", str(self.epmd_port), "-address", "127.0.0.1", "-daemon"], env=env, check=True)
        self.process = subprocess.Popen([str(SERVER)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + START_S
        while not amqp_answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = self.folder / "server.log"
                raise RuntimeError(f"RabbitMQ did not start: {log.read_text(errors='replace')[-2000:] if log.exists() else ''}")
            time.sleep(0.3)
        return self

    def stop(self) -> None:
        """Stopped as a service is (its data on disk stays for the next start)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        subprocess.run(["epmd", "-port", str(self.epmd_port), "-kill"], capture_output=True, check=False)


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """kill -9 of the worker's main process only, as a crash or the OOM killer does."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start_worker(url: str, log: Path, *extra: str) -> Worker:
    handle = log.open("wb")
    process = subprocess.Popen([sys.executable, "-m", "subtitler", "worker", "--broker", url, *extra],
                               stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    worker = Worker(process, log)
    deadline = time.monotonic() + 60
    while " ready." not in worker.text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start: {worker.text()[-3000:]}")
        time.sleep(0.2)
    return worker


def subtitler(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "subtitler", *args], capture_output=True, text=True, timeout=timeout)


def background(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "subtitler", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)  # fmt: skip
