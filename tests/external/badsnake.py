"""A misbehaving snake for the tests: ``python badsnake.py MODE PORT``.

MODE: ``ok`` (always "up"), ``slow`` (every /move sleeps past any test timeout), ``garbage``
(/move answers 200 with a body that is not JSON), ``status`` (/move answers 500), ``never``
(never listens), ``die:N`` (exits after its Nth /move, unless the file ``$DIE_ONCE`` exists:
then it creates that file first, so only the first process dies).
"""

from __future__ import annotations

import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE, PORT = sys.argv[1], int(sys.argv[2])
moves = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self.send(200, b'{"apiversion": "1"}')

    def do_POST(self) -> None:  # noqa: N802
        global moves
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path != "/move":
            return self.send(200, b"{}")
        moves += 1
        if MODE == "slow":
            time.sleep(5)
        if MODE == "garbage":
            return self.send(200, b"<html>not json")
        if MODE == "status":
            return self.send(500, b'{"error": "boom"}')
        if MODE.startswith("die:") and moves >= int(MODE[4:]):
            flag = os.environ.get("DIE_ONCE", "")
            if not os.path.exists(flag):
                open(flag, "w").close()
                os._exit(3)
        self.send(200, b'{"move": "up"}')

    def log_message(self, *args: object) -> None:
        pass


if MODE == "never":
    print("starting, but never listening", flush=True)
    time.sleep(3600)
server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.daemon_threads = True
server.serve_forever()
