"""The built site served on 127.0.0.1 as its host would serve it, for the browser tests and the measurements.

One difference from a plain static server: the sitemap names the site's pages under ``site_url`` (mkdocs.yml,
``http://127.0.0.1:8000/`` unless ``SITE_URL`` says otherwise), and Material's instant navigation swaps a page in
only when its address is in the sitemap (it matches the scheme and host, not the port).  A test server listens on a
free port, so it serves the sitemap with that port's address, as a deployed site's sitemap names its own host;
otherwise every click on a link would load a new document and nothing of instant navigation would be tested.
"""

from __future__ import annotations

import functools
import http.server
import io
import re
import threading
from pathlib import Path


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def send_head(self):
        if self.path.split("?")[0].endswith("/sitemap.xml"):
            path = Path(self.translate_path(self.path))
            if path.is_file():
                here = f"http://127.0.0.1:{self.server.server_address[1]}/"
                body = re.sub(r"<loc>https?://[^/<]+/", f"<loc>{here}", path.read_text(encoding="utf-8")).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                return io.BytesIO(body)
        return super().send_head()


def serve(site: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    """Serve ``site`` on a free port in a daemon thread: (its address, the server to shut down)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/", httpd
