"""The demo's outgoing mail server: a local SMTP sink on 127.0.0.1 that keeps every message.

``mailagent demo`` must never reach a real address. It starts this sink on a free loopback
port and points ``[smtp]`` at it (plain SMTP, no login), so approving and sending a draft in
the demo runs the real delivery code end to end, and each accepted message is written to
``<store>/sent-mail/<n>.eml`` for inspection instead of leaving the machine. It speaks just
enough SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for the sending code; it is not
a mail server and is only ever bound to loopback.
"""

from __future__ import annotations

import socketserver
import threading
from pathlib import Path

__all__ = ["DemoSink"]

MAX_BYTES = 50 * 1024 * 1024


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        self.reply("220 mailagent-demo-sink ESMTP (nothing leaves this machine)")
        rcpts: list[str] = []
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            verb = line.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-mailagent-demo-sink")
                self.reply(f"250-SIZE {MAX_BYTES}")
                self.reply("250 8BITMIME")
            elif verb in ("HELO", "NOOP"):
                self.reply("250 OK")
            elif verb == "MAIL":
                rcpts = []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpts.append(line.decode("ascii", "replace").split(":", 1)[-1].strip())
                self.reply("250 OK")
            elif verb == "RSET":
                rcpts = []
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                name = self.server.keep(self._data())
                self.reply(f"250 2.0.0 kept in the demo sink as {name} ({len(rcpts)} rcpt)")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 5.5.2 not implemented in the demo sink")

    def _data(self) -> bytes:
        lines: list[bytes] = []
        size = 0
        while True:
            line = self.rfile.readline(1_000_000)
            if not line or line in (b".\r\n", b".\n"):
                break
            size += len(line)
            if size <= MAX_BYTES:
                lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, directory: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.directory = directory
        self.lock = threading.Lock()

    def keep(self, raw: bytes) -> str:
        with self.lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            n = len(list(self.directory.glob("*.eml"))) + 1
            path = self.directory / f"{n:04d}.eml"
            path.write_bytes(raw)
            return path.name


class DemoSink:
    """Start with :meth:`start`; ``port`` and ``directory`` tell where mail goes."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._server: _Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return int(self._server.server_address[1])

    def start(self) -> DemoSink:
        self._server = _Server(self.directory)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
