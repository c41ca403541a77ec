"""A real HTTP server on 127.0.0.1 for the download and fetch tests (no external network).

It serves bytes by path, honours ``Range: bytes=N-`` (206, or 416 past the end), records every request's
path and Range header, and can be told to cut a file's body short once or to ignore Range (answer 200).
"""

from __future__ import annotations

import re
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Served:
    """What the server holds and what it saw."""

    files: dict[str, bytes] = field(default_factory=dict)
    seen: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)
    cut_once: dict[str, int] = field(default_factory=dict)  # path -> bytes to send before closing, once
    ignore_range: bool = False
    errors: dict[str, int] = field(default_factory=dict)  # path -> HTTP error status to answer
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ranges(self, path: str) -> list[str | None]:
        return [r for p, r in self.seen if p == path]


class _Handler(BaseHTTPRequestHandler):
    served: Served

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        asked = self.headers.get("Range")
        self.served.seen.append((path, asked))
        body = self.served.files.get(path)
        if body is None or path in self.served.errors:
            self.send_error(self.served.errors.get(path, 404))
            return
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", asked or "")
        if match and not self.served.ignore_range:
            start = int(match.group(1))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        cut = self.served.cut_once.pop(path, None)
        if cut is not None:
            self.wfile.write(body[start:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body[start:])

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
        return


@contextmanager
def serve(served: Served) -> Iterator[Served]:
    """Run a ThreadingHTTPServer on 127.0.0.1, port chosen by the OS, for the ``with`` block."""
    handler = type("Handler", (_Handler,), {"served": served})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    served.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def zip_of(folder: Path, pattern: str = "*.csv") -> bytes:
    """A zip, like CMS ships, of the files in ``folder`` matching ``pattern`` (built in memory)."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.glob(pattern)):
            archive.write(path, path.name)
    return buffer.getvalue()
