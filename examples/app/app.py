#!/usr/bin/env python3
"""The ec2-rollback example app: a tiny web server (Python standard library only, already on Amazon Linux 2023).

GET /        says hello and which revision is running
GET /health  200 when healthy; 500 when a file named BROKEN ships with the revision (to try a rollback)
"""
import http.server
import os

HERE = os.path.dirname(os.path.abspath(__file__))
PORT = int(os.environ.get("PORT", "80"))


def revision() -> str:
    try:
        with open(os.path.join(HERE, "REVISION")) as f:
            return f.read().strip()
    except OSError:
        return "unknown"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/health":
            broken = os.path.exists(os.path.join(HERE, "BROKEN"))
            self.reply(500 if broken else 200, "broken on purpose\n" if broken else "ok\n")
        elif self.path == "/":
            self.reply(200, f"hello from the ec2-rollback example app, revision {revision()}\n")
        else:
            self.reply(404, "not found\n")

    def reply(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
