"""The server fetches a provider's documents only from where an area administrator may point
it: https on public addresses, never its own network, and no redirects."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import override_settings

from identity import protocol
from identity.protocol import ProviderError, check_fetchable

PUBLIC = "https://93.184.215.14"  # an address literal: no name to look up


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.215.14/.well-known/openid-configuration",
        "https://127.0.0.1/.well-known/openid-configuration",
        "https://localhost:8443/jwks",
        "https://10.0.0.5/token",
        "https://192.168.1.20/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "https://[fd00::1]/",
        "https:///no-host",
    ],
)
@override_settings(OIDC_ALLOW_LOCAL_PROVIDERS=False)
def test_the_services_own_network_and_plain_http_are_refused(url: str) -> None:
    with pytest.raises(ProviderError):
        check_fetchable(url)


@override_settings(OIDC_ALLOW_LOCAL_PROVIDERS=False)
def test_a_public_https_address_is_fetchable() -> None:
    check_fetchable(f"{PUBLIC}/.well-known/openid-configuration")


@override_settings(OIDC_ALLOW_LOCAL_PROVIDERS=False)
def test_a_discovery_document_pointing_inside_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    document = {
        "issuer": PUBLIC,
        "authorization_endpoint": f"{PUBLIC}/authorize",
        "token_endpoint": f"{PUBLIC}/token",
        "jwks_uri": "https://10.1.2.3/jwks",
    }
    monkeypatch.setattr(protocol, "_get_json", lambda url: document)
    with pytest.raises(ProviderError, match="private network"):
        protocol.discover(PUBLIC)


class Redirecting(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/elsewhere":
            body = b'{"issuer": "inside"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(302)
        self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def redirecting() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Redirecting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_redirect_is_not_followed(redirecting: str) -> None:
    assert protocol._get_json(f"{redirecting}/elsewhere") == {"issuer": "inside"}
    with pytest.raises(ProviderError, match="not followed"):
        protocol._get_json(f"{redirecting}/start")
