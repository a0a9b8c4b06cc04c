"""An ASGI app on uvicorn, on a background thread: the embedded mock and the proxy alike.

A subclass says how to build its ``uvicorn.Server`` (:meth:`ThreadedServer._new_server`) and
what to do just before it starts and after it stops; binding, starting, waiting until it
serves and stopping (gracefully, then by force) live here once.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import uvicorn

#: Seconds a stopping server lets busy connections finish before closing them.
GRACEFUL_STOP = 2
#: Seconds a server may take to start serving.
START_TIMEOUT = 10


@dataclass(frozen=True)
class ConnectionTimeouts:
    """How long a client of the mock or the proxy may take over each phase of a connection
    (seconds): the one home of these values. A client past one is answered 408 with the
    error envelope when an answer is possible (inside a request), else closed (idle)."""

    #: A new connection that has not sent the first byte of a request: closed.
    idle: float = 10.0
    #: Between two requests on a kept-alive connection: closed.
    keep_alive: float = 30.0
    #: From the first byte of a request head to its end: 408.
    head: float = 10.0
    #: From the end of the head to the first byte of an announced body: 408.
    body_start: float = 10.0
    #: The longest pause between two parts of a body: 408.
    body_stall: float = 10.0
    #: The whole body, however steadily it arrives: 408.
    body: float = 60.0

    @property
    def shortest(self) -> float:
        return min(self.idle, self.keep_alive, self.head, self.body_start, self.body_stall)


#: The timeouts both servers use unless told otherwise (tests pass short ones).
TIMEOUTS = ConnectionTimeouts()


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (0: any free port); OSError when it cannot."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock


def wait_started(server: uvicorn.Server, thread: threading.Thread, what: str) -> None:
    """Return once ``server`` (running on ``thread``) serves; RuntimeError if it dies or does
    not start within START_TIMEOUT seconds."""
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.002)


class ThreadedServer:
    """Bind, start on a daemon thread, stop: the lifecycle both served sites share."""

    #: How the thread and the errors name this server.
    kind = "server"
    graceful_stop: float = GRACEFUL_STOP

    def _init_serving(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def _new_server(self) -> tuple[uvicorn.Server, socket.socket]:
        raise NotImplementedError

    def _before_start(self) -> None:
        """Called before the server starts (e.g. start what it stands in front of)."""

    def _after_stop(self) -> None:
        """Called once the server has stopped."""

    def bind(self) -> Self:
        """Open the listening socket (raises OSError when the address cannot be used)."""
        if self._socket is None:
            self._socket = listening_socket(self.host, self.port)
            self.port = self._socket.getsockname()[1]
        return self

    def bind_or_refuse(self) -> Self:
        """:meth:`bind` for a command line: an address that cannot be used is a usage error
        (one line), not a traceback."""
        from .errors import UsageError

        host, port = self.host, self.port
        try:
            return self.bind()
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

    def start(self) -> Self:
        """Serve on a background thread; returns once it answers requests."""
        if self._thread is not None:
            return self
        self._before_start()
        server, sock = self._new_server()
        thread = threading.Thread(
            target=server.run, args=([sock],), name=f"{self.kind}:{self.port}", daemon=True
        )
        self._thread = thread
        thread.start()
        try:
            wait_started(server, thread, f"the {self.kind} on port {self.port}")
        except RuntimeError:
            self.stop()
            raise
        return self

    def stop(self, *, wait: bool = True) -> None:
        """Stop serving and close the port (idle connections are closed, busy ones finish).

        Without ``wait``, return at once and let the server finish on its own (uvicorn takes
        ~0.2 s: it polls its exit flag every 0.1 s, then gives connections 0.1 s): for a
        process that has no further use for it, such as ``run`` at the end of its session."""
        server, thread = self._server, self._thread
        if server is not None:
            server.should_exit = True
        if thread is not None and wait:
            thread.join(timeout=self.graceful_stop + 3)
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(timeout=2)
        if self._socket is not None and server is None:
            self._socket.close()  # bound, never served
        self._socket = self._server = self._thread = None
        self._after_stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
