"""The OpenID Connect side of signing in: discovery, the authorization code flow with PKCE
(S256), `state` and `nonce`, and checking ID and logout tokens (Authlib, joserfc underneath).

No database here: the services and the sign-in pages hold the records and the session.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oauth2.claims import JWTClaims
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .models import IdentityProvider

CLOCK_SKEW_SECONDS = 120  # how far the provider's clock may be from ours
JTI_CAP = 255  # identity.models.UsedLogoutToken.jti
HTTP_TIMEOUT_SECONDS = 10
SCOPES = "openid email profile"
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]  # never "none"
BACK_CHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
DISCOVERY_REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class ProviderError(Exception):
    """The provider answered something we cannot trust or use; `reason` is for the audit."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class GrantRefused(ProviderError):
    """The provider refused a refresh token it issued (`invalid_grant`): the account there is
    disabled or its sessions were revoked, as for a leaver."""


def _public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 scope id is not the address
    return ip.is_global and not ip.is_multicast


def check_fetchable(url: str) -> None:
    """Refuse a URL the server must not fetch for an area administrator: anything but https,
    and any host that resolves to a loopback, private, link-local or reserved address (the
    service's own network: a metadata endpoint, the database, Redis). Development and the
    tests, whose providers run on this machine, allow local addresses over http
    (OIDC_ALLOW_LOCAL_PROVIDERS)."""
    parts = urlsplit(url)
    local_allowed = settings.OIDC_ALLOW_LOCAL_PROVIDERS
    if parts.scheme != "https" and not (local_allowed and parts.scheme == "http"):
        raise ProviderError(f"{url} is not an https address")
    if not parts.hostname:
        raise ProviderError(f"{url} names no host")
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise ProviderError(f"{parts.hostname} cannot be found: {exc}") from exc
    if not local_allowed and not all(_public_address(str(info[4][0])) for info in found):
        raise ProviderError(f"{parts.hostname} is an address on a private network")


def _get_json(url: str) -> dict[str, Any]:
    check_fetchable(url)
    try:
        # No redirects: each address fetched is one that check_fetchable has allowed.
        response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS, allow_redirects=False)
        if response.is_redirect:
            raise ProviderError(f"{url} redirects elsewhere, which is not followed")
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderError(f"could not read {url}: {exc}") from exc
    if not isinstance(document, dict):
        raise ProviderError(f"{url} did not answer a JSON object")
    return document


def discover(issuer: str) -> dict[str, Any]:
    """The provider's discovery document (OpenID Connect Discovery 1.0), checked: it names the
    same issuer, the endpoints we use, and PKCE with S256 when it lists its PKCE methods."""
    document = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    missing = [name for name in DISCOVERY_REQUIRED if not document.get(name)]
    if missing:
        raise ProviderError(f"the discovery document lacks {', '.join(missing)}")
    if document["issuer"] != issuer:
        raise ProviderError(f"the discovery document names another issuer: {document['issuer']}")
    for endpoint in ("token_endpoint", "jwks_uri"):  # the two this server fetches
        check_fetchable(document[endpoint])
    methods = document.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise ProviderError("the provider does not offer PKCE with S256")
    return document


def client_secret(provider: IdentityProvider) -> str:
    secret = os.environ.get(provider.client_secret_variable, "")
    if not secret:
        raise ProviderError(f"{provider.client_secret_variable} is not set on the server")
    return secret


def scopes(provider: IdentityProvider) -> str:
    """What the sign-in asks for: with `offline_access` where the provider lists it, as
    Entra ID does, which issues no refresh token without it (identity.leavers spends that)."""
    offered = provider.metadata.get("scopes_supported") or []
    return f"{SCOPES} offline_access" if "offline_access" in offered else SCOPES


def _session(provider: IdentityProvider, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=provider.client_id,
        client_secret=client_secret(provider),
        scope=scopes(provider),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
    )


@dataclass(frozen=True)
class Flow:
    """One sign-in on its way to the provider; kept in the session under its `state`."""

    state: str
    nonce: str
    code_verifier: str
    authorization_url: str


def start(*, provider: IdentityProvider, redirect_uri: str) -> Flow:
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    url, _ = _session(provider, redirect_uri).create_authorization_url(
        provider.metadata["authorization_endpoint"],
        state=state,
        nonce=nonce,
        code_verifier=verifier,
    )
    return Flow(state=state, nonce=nonce, code_verifier=verifier, authorization_url=url)


@dataclass
class _Keys:
    fetched_at: float
    key_set: KeySet


# Each provider's published keys, by their address, for KEYS_FRESH_SECONDS: a sign-in does not
# wait on the provider's key endpoint, nor fail when it is briefly down. A token the kept keys
# do not check fetches them once more (the provider may have rotated its keys).
KEYS_FRESH_SECONDS = 300
_keys: dict[str, _Keys] = {}
_keys_lock = threading.Lock()


def _key_set(provider: IdentityProvider, *, fresh: bool = False) -> tuple[KeySet, bool]:
    """The provider's keys, and whether they were just fetched."""
    address = provider.metadata["jwks_uri"]
    with _keys_lock:
        kept = _keys.get(address)
    if not fresh and kept and time.monotonic() - kept.fetched_at < KEYS_FRESH_SECONDS:
        return kept.key_set, False
    key_set = KeySet.import_key_set(cast(Any, _get_json(address)))
    with _keys_lock:
        _keys[address] = _Keys(fetched_at=time.monotonic(), key_set=key_set)
    return key_set, True


def _decode(token: str, provider: IdentityProvider) -> jwt.Token:
    """The token's claims once its signature checks against the provider's published keys."""
    algorithms = [
        a
        for a in provider.metadata.get("id_token_signing_alg_values_supported", SIGNING_ALGORITHMS)
        if a in SIGNING_ALGORITHMS
    ]
    key_set, fetched = _key_set(provider)
    try:
        return jwt.decode(token, key_set, algorithms=algorithms)
    except (JoseError, ValueError) as exc:
        if fetched:
            raise ProviderError(f"the token's signature does not check: {exc}") from exc
    try:
        return jwt.decode(token, _key_set(provider, fresh=True)[0], algorithms=algorithms)
    except (JoseError, ValueError) as exc:
        raise ProviderError(f"the token's signature does not check: {exc}") from exc


def _validate(claims: JWTClaims) -> None:
    try:
        claims.validate(leeway=CLOCK_SKEW_SECONDS)
    except JoseError as exc:
        raise ProviderError(f"the token's claims do not check: {exc}") from exc


def _expected(provider: IdentityProvider) -> dict[str, Any]:
    return {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": provider.client_id},
        "iat": {"essential": True},
    }


@dataclass(frozen=True)
class Answer:
    """What the provider's token endpoint gave for a sign-in: the checked ID token's claims,
    and the refresh token, if it issued one (spent later to ask whether the account stands)."""

    claims: dict[str, Any]
    refresh_token: str


def finish(
    *, provider: IdentityProvider, flow: dict[str, str], code: str, redirect_uri: str
) -> Answer:
    """Exchange the code (with the PKCE verifier) and return the ID token's claims, checked:
    signature, iss, aud, exp, iat and nonce, with bounded clock skew."""
    try:
        check_fetchable(provider.metadata["token_endpoint"])
        token = _session(provider, redirect_uri).fetch_token(
            provider.metadata["token_endpoint"],
            code=code,
            code_verifier=flow["code_verifier"],
            timeout=HTTP_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except (requests.RequestException, ValueError, JoseError, OAuthError) as exc:
        raise ProviderError(f"the code could not be exchanged: {exc}") from exc
    if not token.get("id_token"):
        raise ProviderError("the provider sent no ID token")
    decoded = _decode(token["id_token"], provider)
    params = {
        "nonce": flow["nonce"],
        "client_id": provider.client_id,
        "access_token": token.get("access_token"),
    }
    claims = CodeIDToken(decoded.claims, decoded.header, _expected(provider), params)
    _validate(claims)
    refresh = token.get("refresh_token")
    return Answer(claims=dict(claims), refresh_token=refresh if isinstance(refresh, str) else "")


def refresh(*, provider: IdentityProvider, refresh_token: str) -> str:
    """Spend a refresh token: the provider's answer says whether the account still stands.
    Returns the refresh token to keep (a new one when the provider rotates them); raises
    GrantRefused when the provider refuses the grant, ProviderError when it cannot be asked."""
    try:
        check_fetchable(provider.metadata["token_endpoint"])
        token = _session(provider, redirect_uri="").refresh_token(
            provider.metadata["token_endpoint"],
            refresh_token=refresh_token,
            timeout=HTTP_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except OAuthError as exc:
        if exc.error == "invalid_grant":
            raise GrantRefused(f"the provider refused the refresh token: {exc}") from exc
        raise ProviderError(f"the refresh token could not be spent: {exc}") from exc
    except (requests.RequestException, ValueError, JoseError) as exc:
        raise ProviderError(f"the refresh token could not be spent: {exc}") from exc
    kept = token.get("refresh_token")
    return kept if isinstance(kept, str) and kept else refresh_token


def logout_claims(*, provider: IdentityProvider, logout_token: str) -> dict[str, Any]:
    """A back-channel logout token's claims, checked as OpenID Connect Back-Channel Logout 1.0
    says: signature, iss, aud, iat, exp, jti, the logout event, `sub` or `sid`, and no
    `nonce`. Whether its jti was used before is the services' to check."""
    decoded = _decode(logout_token, provider)
    claims = JWTClaims(decoded.claims, decoded.header, _expected(provider))
    _validate(claims)
    events = claims.get("events")
    if not isinstance(events, dict) or BACK_CHANNEL_EVENT not in events:
        raise ProviderError("the logout token lacks the back-channel logout event")
    jti, expires = claims.get("jti"), claims.get("exp")
    if not isinstance(jti, str) or not 0 < len(jti) <= JTI_CAP:
        raise ProviderError("the logout token has no usable jti")
    if not isinstance(expires, int):
        raise ProviderError("the logout token has no expiry")
    if not (claims.get("sub") or claims.get("sid")):
        raise ProviderError("the logout token names neither sub nor sid")
    if "nonce" in claims:
        raise ProviderError("a logout token must not carry a nonce")
    return dict(claims)
