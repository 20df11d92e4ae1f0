"""What the test provider puts in its ID tokens, per test user, by the groups they are in
(and always a `sid`, the provider keeping one session per person, named after them, and
`groups`, every group the person is in):

- `mfa`: `amr` is ["pwd", "mfa"] (else ["pwd"])
- `unverified`: `email_verified` is false
- `expired_id_token`: the ID token expired ten minutes before it was issued
- `wrong_audience`: the ID token names another client as its audience
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from tests.oidc_provider.sessions import session_id

EXPIRED_BY_SECONDS = 600  # well past any clock skew the service allows


class Validator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below goes into the ID token, whatever the scopes

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        groups = _groups(request.user)
        return {
            "email": request.user.email,
            "email_verified": "unverified" not in groups,
            "name": request.user.get_full_name(),
            "amr": ["pwd", "mfa"] if "mfa" in groups else ["pwd"],
            "sid": session_id(request.user.pk),
            "groups": sorted(groups),
        }

    def get_id_token_dictionary(
        self, token: Any, token_handler: Any, request: Any
    ) -> tuple[dict[str, Any], Any]:
        claims, expires = super().get_id_token_dictionary(token, token_handler, request)
        groups = _groups(request.user)
        if "expired_id_token" in groups:
            claims["exp"] = claims["auth_time"] - EXPIRED_BY_SECONDS
            claims["iat"] = claims["exp"] - 60
        if "wrong_audience" in groups:
            claims["aud"] = "another-service"
        return claims, expires


def _groups(user: Any) -> set[str]:
    return set(user.groups.values_list("name", flat=True))
