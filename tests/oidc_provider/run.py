"""Start the test provider: migrate its own SQLite database, register the service under test as
a confidential client, then serve (threaded) until killed. Run as
`python -m tests.oidc_provider.run` with the environment settings.py reads, plus CLIENT_ID,
CLIENT_SECRET and REDIRECT_URI."""

from __future__ import annotations

import os


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import get_application_model

    call_command("migrate", verbosity=0)
    get_application_model().objects.create(
        name="Safeguard Hub",
        client_id=os.environ["CLIENT_ID"],
        client_secret=os.environ["CLIENT_SECRET"],
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris=os.environ["REDIRECT_URI"],
        algorithm="RS256",
        skip_authorization=True,
    )
    run("127.0.0.1", int(os.environ["PROVIDER_PORT"]), get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
