"""An in-process HTTP client: ``requests`` talking to the WSGI app directly, as Flask's and Datasette's
test clients do, so that negotiation, header and protocol cases cost no server process or socket.

``HTTP`` is a ``requests.Session``; URLs below ``IN_PROCESS`` go to the mounted app, all others over the
network as usual. Responses are built by requests' own ``HTTPAdapter.build_response`` from a urllib3
response, so ``.content`` decodes gzip, ``.raw`` holds the bytes as sent, and HEAD answers have no body,
exactly as with a real server.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from werkzeug.test import EnvironBuilder, run_wsgi_app

IN_PROCESS = "http://inprocess.test"


class WSGIAdapter(HTTPAdapter):
    def __init__(self, app) -> None:
        super().__init__()
        self.app = app

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):  # noqa: ARG002
        url = urlsplit(request.url)
        body = request.body or b""
        environ = EnvironBuilder(
            path=url.path, query_string=url.query, base_url=f"{url.scheme}://{url.netloc}",
            method=request.method, headers=dict(request.headers),
            data=body.encode() if isinstance(body, str) else body,
        ).get_environ()
        chunks, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        try:
            data = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        code, _, reason = status.partition(" ")
        raw = urllib3.HTTPResponse(body=io.BytesIO(data), headers=list(headers.items()), status=int(code),
                                   reason=reason, preload_content=False, decode_content=False,
                                   request_method=request.method)
        return self.build_response(request, raw)


HTTP = requests.Session()


def mount(app) -> str:
    """Answer requests below ``IN_PROCESS`` with ``app``; returns that base URL."""
    HTTP.mount(IN_PROCESS + "/", WSGIAdapter(app))
    return IN_PROCESS
