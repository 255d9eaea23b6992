"""A real ``energy-contracts serve`` process for tests that need one: its own port on
127.0.0.1, the settings given, output to a file, and cleanup that reaches its workers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from energy_contracts.settings import ENV_PREFIX


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServerProcess:
    """``python -m energy_contracts serve`` as an operator starts it; output to a file."""

    def __init__(
        self,
        *,
        database_url: str,
        key_file: Path,
        log_file: Path,
        workers: int = 1,
        **settings: object,
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_file = log_file
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(ENV_PREFIX) and name != "PROMETHEUS_MULTIPROC_DIR"
        }
        self.env = env  # what the server runs with, for CLI calls against the same database
        env.update(
            {
                f"{ENV_PREFIX}DATABASE_URL": database_url,
                f"{ENV_PREFIX}SIGNING_KEY_FILE": str(key_file),
                f"{ENV_PREFIX}DATA_DIR": str(key_file.parent),
                f"{ENV_PREFIX}LOG_FORMAT": "json",
                f"{ENV_PREFIX}LOG_LEVEL": "info",
                **{f"{ENV_PREFIX}{name.upper()}": str(value) for name, value in settings.items()},
            }
        )
        command = [sys.executable, "-m", "energy_contracts", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(workers)]
        with log_file.open("wb") as output:
            # A session of its own, so that cleanup can reach the worker processes too.
            self.process = subprocess.Popen(
                command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, timeout=30, **kwargs)

    async def wait_until_ready(self, within: float = 60) -> None:
        deadline = time.monotonic() + within
        async with self.client() as http:
            while True:
                if self.process.poll() is not None:
                    raise AssertionError(f"serve exited early:\n{self.output()}")
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/readyz")).status_code == 200:
                        return
                assert time.monotonic() < deadline, f"serve did not start:\n{self.output()}"
                await asyncio.sleep(0.1)

    def terminate(self) -> None:
        """SIGTERM, as an orchestrator sends it."""
        os.kill(self.process.pid, signal.SIGTERM)

    async def exit_code(self, within: float = 60) -> int:
        deadline = time.monotonic() + within
        while (code := self.process.poll()) is None:
            assert time.monotonic() < deadline, f"serve did not exit:\n{self.output()}"
            await asyncio.sleep(0.05)
        return code

    def output(self) -> str:
        return self.log_file.read_text(errors="replace")

    def stop(self) -> None:
        """Cleanup: SIGTERM, then SIGKILL the process group this server started."""
        if self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@contextlib.asynccontextmanager
async def serving(
    *, database_url: str, key_file: Path, log_file: Path, **settings: object
) -> AsyncIterator[ServerProcess]:
    """A ``serve`` process, ready to answer, stopped (with its workers) when the block ends."""
    server = ServerProcess(
        database_url=database_url, key_file=key_file, log_file=log_file, **settings
    )
    try:
        await server.wait_until_ready()
        yield server
    finally:
        server.stop()
