"""A stdlib HTTP server on 127.0.0.1 (a free port) in a daemon thread, for the local
stand-ins the tests and the quick start use (imagekit_emulator.py, s3_proxy.py)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalServer:
    """Subclasses set `handler` (a BaseHTTPRequestHandler class) and `handler_attr`, the
    name under which each request's handler sees this object; `name` names the thread.
    Set `_stopping` releases requests that wait on it when the server stops."""

    handler: type[BaseHTTPRequestHandler]
    handler_attr = "server_object"
    name = "local-server"

    def __init__(self):
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self):
        handler = type("Handler", (self.handler,), {self.handler_attr: self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
