"""The test provider as a pytest fixture's building block: a second process on a free port,
with a fresh RSA key, its own SQLite database and the service registered as its client."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey

from agencies.models import Agency
from identity.models import IdentityProvider
from identity.protocol import BACK_CHANNEL_EVENT, discover
from tests.factories import AgencyFactory, AreaFactory

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "safeguard-hub"
CLIENT_SECRET = "a-client-secret-for-the-test-provider"
STARTUP_SECONDS = 30


@dataclass(frozen=True)
class OidcProvider:
    issuer: str
    url: str
    private_key_pem: str

    def add_user(
        self, *, username: str, email: str, password: str, groups: tuple[str, ...] = ()
    ) -> str:
        """A person with an account at the provider; returns their `sub`."""
        body = {"username": username, "email": email, "password": password, "groups": groups}
        answer = httpx.post(f"{self.url}/test/users/", content=json.dumps(body), timeout=10)
        answer.raise_for_status()
        return str(answer.json()["sub"])

    def leave(self, *, sub: str) -> None:
        """The person leaves the agency: their account there is disabled."""
        httpx.post(f"{self.url}/test/users/{sub}/leave/", timeout=10).raise_for_status()

    def logout_token(self, *, sub: str | None, audience: str = CLIENT_ID, **extra: Any) -> str:
        """A back-channel logout token signed with the provider's own key (the one its JWKS
        publishes), as the provider would send it; without `sub`, give a `sid`."""
        key = RSAKey.import_key(self.private_key_pem)
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": audience,
            "iat": now,
            "exp": now + 120,
            "jti": uuid.uuid4().hex,
            "events": {BACK_CHANNEL_EVENT: {}},
            **({"sub": sub} if sub is not None else {}),
            **extra,
        }
        header = {"alg": "RS256", "kid": key.thumbprint(), "typ": "logout+jwt"}
        return jwt.encode(header, claims, key)


def agency_signs_in_there(
    *,
    provider: OidcProvider,
    agency_type: str,
    domain: str,
    secret_variable: str,
    monkeypatch: Any,
) -> Agency:
    """An agency of a new area whose people sign in through the test provider; the secret is
    set in this process's environment, which the service under test reads."""
    monkeypatch.setenv(secret_variable, CLIENT_SECRET)
    agency = AgencyFactory.create(areas=[AreaFactory.create()], agency_type=agency_type)
    IdentityProvider.objects.create(
        agency=agency,
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret_variable=secret_variable,
        email_domains=[domain],
        email_claim="email",
        email_verified_claim="email_verified",
        metadata=discover(provider.issuer),
    )
    return agency


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@contextmanager
def running_provider(*, redirect_uri: str, directory: Path) -> Iterator[OidcProvider]:
    port = _free_port()
    pem = _private_key_pem()
    environment = {
        **os.environ,
        "PROVIDER_PORT": str(port),
        "PROVIDER_DB": str(directory / "provider.sqlite3"),
        "PROVIDER_RSA_KEY": pem,
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URI": redirect_uri,
    }
    log = (directory / "provider.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.run"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    provider = OidcProvider(issuer=f"{url}/o", url=url, private_key_pem=pem)
    try:
        _wait_until_serving(process, f"{provider.issuer}/.well-known/openid-configuration", log)
        yield provider
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _wait_until_serving(process: subprocess.Popen[bytes], url: str, log: Any) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.flush()
            raise RuntimeError(f"the test provider exited: {Path(log.name).read_text()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the test provider did not answer {url}")
