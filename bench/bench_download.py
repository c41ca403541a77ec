"""Download throughput of ``openrvu.download`` from a local HTTP server, against a plain urllib copy.

The server is ``http.server`` on 127.0.0.1 serving a file of random bytes; the baseline reads the same URL
with ``urllib`` and ``shutil.copyfileobj`` (no ``.part``, no hashing, no checks). The sha256 of the file
is timed alone, since it is most of the difference on a loopback link. Also measured: a ``.part`` that
must be restarted because the server ignores ``Range``. ``OPENRVU_BENCH_QUICK=1`` uses 8 MB instead of 128 MB.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from openrvu.download import download, sha256_of


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
        return


def _best(runs: int, job: partial[object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
    return min(times)


def _baseline(url: str, out: Path) -> None:
    with urllib.request.urlopen(url) as response, out.open("wb") as sink:  # noqa: S310 (local server)
        shutil.copyfileobj(response, sink, 1 << 20)


def _ours(url: str, out_dir: Path) -> None:
    (out_dir / "payload.zip").unlink(missing_ok=True)
    download(url, out_dir)


def main() -> None:
    """Print MB/s for openrvu.download and the urllib baseline, their ratio, and a half-file resume."""
    size = (8 if os.environ.get("OPENRVU_BENCH_QUICK") == "1" else 128) << 20
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        served, out = root / "served", root / "out"
        served.mkdir()
        out.mkdir()
        payload = os.urandom(size)
        (served / "payload.zip").write_bytes(payload)
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(served)))
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/payload.zip"
            base = _best(3, partial(_baseline, url, out / "baseline.zip"))
            ours = _best(3, partial(_ours, url, out))
            hashing = _best(3, partial(sha256_of, out / "payload.zip"))
            # A resume: half the file already in the .part. http.server ignores Range, so this is the
            # restart-from-zero path (the one a server without Range support takes).
            (out / "payload.zip").unlink()
            (out / "payload.zip.part").write_bytes(payload[: size // 2])
            started = time.perf_counter()
            download(url, out)
            restart = time.perf_counter() - started
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
    mb = size / (1 << 20)
    print(f"download of {mb:.0f} MB from 127.0.0.1 (best of 3)")
    print(f"  urllib + copyfileobj baseline: {base:.3f} s ({mb / base:,.0f} MB/s)")
    print(f"  openrvu.download (.part, sha256, checks, rename): {ours:.3f} s ({mb / ours:,.0f} MB/s)")
    print(f"  ratio openrvu / baseline: {ours / base:.2f}x")
    print(f"  of which the sha256 of the file alone: {hashing:.3f} s ({mb / hashing:,.0f} MB/s on this CPU)")
    print(f"  server without Range, half-file .part present (restart from zero): {restart:.3f} s")
