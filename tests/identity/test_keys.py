"""A provider's published keys are kept a while: a sign-in does not wait on its key endpoint,
and a token signed with a key the kept set lacks (a rotation) fetches the keys again, once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from identity import protocol
from identity.models import IdentityProvider

JWKS = "https://93.184.215.14/jwks"


@pytest.fixture(autouse=True)
def no_kept_keys() -> Iterator[None]:
    protocol._keys.clear()
    yield
    protocol._keys.clear()


class Published:
    """The provider's key endpoint, publishing `keys`, counting how often it is read."""

    def __init__(self, *keys: RSAKey) -> None:
        self.keys = list(keys)
        self.reads = 0

    def __call__(self, url: str) -> dict[str, Any]:
        assert url == JWKS
        self.reads += 1
        return {"keys": [key.as_dict(private=False) for key in self.keys]}


def signed(key: RSAKey) -> str:
    header = {"alg": "RS256", "kid": key.thumbprint()}
    return jwt.encode(header, {"iss": "https://93.184.215.14", "sub": "a"}, key)


@pytest.fixture(scope="module")
def keys() -> list[RSAKey]:
    """Three keys, made once: making a key takes a while."""
    return [RSAKey.generate_key(2048) for _ in range(3)]


@pytest.fixture
def provider() -> IdentityProvider:
    return IdentityProvider(metadata={"jwks_uri": JWKS})


def test_the_keys_are_read_once_for_many_tokens(
    keys: list[RSAKey], provider: IdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = keys[0]
    published = Published(key)
    monkeypatch.setattr(protocol, "_get_json", published)
    for _ in range(3):
        assert protocol._decode(signed(key), provider).claims["sub"] == "a"
    assert published.reads == 1


def test_a_rotated_key_is_fetched_and_a_stranger_refused(
    keys: list[RSAKey], provider: IdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new, stranger = keys
    published = Published(old)
    monkeypatch.setattr(protocol, "_get_json", published)
    protocol._decode(signed(old), provider)
    published.keys = [new]  # the provider rotates its key
    assert protocol._decode(signed(new), provider).claims["sub"] == "a"
    assert published.reads == 2
    with pytest.raises(protocol.ProviderError, match="does not check"):
        protocol._decode(signed(stranger), provider)
    assert published.reads == 3  # one more read, then refused


def test_kept_keys_are_read_again_when_stale(
    keys: list[RSAKey], provider: IdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = keys[0]
    published = Published(key)
    monkeypatch.setattr(protocol, "_get_json", published)
    protocol._decode(signed(key), provider)
    protocol._keys[JWKS].fetched_at -= protocol.KEYS_FRESH_SECONDS + 1
    protocol._decode(signed(key), provider)
    assert published.reads == 2
