"""`lever-pipeline auth ...`: grant OAuth access, store a key, rotate the encryption key.

`login` runs Lever's authorization-code flow for a partner app: it prints the authorize URL
(and opens it with `--open`), receives the code on a one-shot local callback at
LEVER_OAUTH_REDIRECT_URI, checks the `state`, exchanges the code and stores the tokens in
the warehouse encrypted with LEVER_PIPELINE_SECRET_KEY. Nothing secret is ever printed.
"""

from __future__ import annotations

import getpass
import secrets
import sys
import threading
import webbrowser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

import httpx
import typer

from lever_pipeline.analytics.words import plural
from lever_pipeline.cli.errors import CONFIG_ERROR, RUN_FAILED, CommandError
from lever_pipeline.cli.runtime import open_engine, settings_or_exit

auth_app = typer.Typer(
    help="Lever credentials: OAuth login, a stored API key, and the key that encrypts them.", no_args_is_help=True
)


class _Callback:
    """A one-request HTTP server on the redirect URI's host and port; `wait` returns the query it got."""

    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        self.path = parts.path or "/"
        self.query: dict[str, str] | None = None
        self._got = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != outer.path:
                    self.send_error(404)
                    return
                outer.query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                ok = "code" in outer.query
                body = (
                    b"<h1>lever-pipeline has access to Lever.</h1><p>You can close this tab.</p>"
                    if ok
                    else b"<h1>Lever did not grant access.</h1><p>See the terminal.</p>"
                )
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                outer._got.set()

            def log_message(self, *args: object) -> None:  # the query holds the code: never logged
                return

        try:
            self.server = ThreadingHTTPServer((parts.hostname or "127.0.0.1", parts.port or 80), Handler)
        except OSError as err:
            raise CommandError(
                f"Cannot listen on {parts.netloc} for Lever's redirect ({err.strerror}); "
                "free that port or set LEVER_OAUTH_REDIRECT_URI to another registered one.",
                CONFIG_ERROR,
            ) from None
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, timeout: float) -> dict[str, str] | None:
        self._got.wait(timeout)
        self.server.shutdown()
        self.server.server_close()
        return self.query


@auth_app.command("login")
def login(
    open_browser: Annotated[bool, typer.Option("--open", help="Open the authorize URL in a browser.")] = False,
    timeout: Annotated[int, typer.Option(min=10, max=3600, help="Seconds to wait for Lever's redirect.")] = 300,
) -> None:
    """Grant this deployment access to Lever through OAuth, and store the tokens encrypted."""
    from lever_pipeline.account.credentials import SecretBox
    from lever_pipeline.account.oauth_tokens import save_tokens
    from lever_pipeline.lever import oauth

    settings = settings_or_exit()
    client_id, secret = settings.lever_oauth_client_id, settings.lever_oauth_client_secret
    if not client_id or secret is None:
        raise CommandError(
            "Set LEVER_OAUTH_CLIENT_ID and LEVER_OAUTH_CLIENT_SECRET (your Lever partner app's) before logging in.",
            CONFIG_ERROR,
        )
    box = SecretBox.from_settings(settings)  # fail before the browser round trip, not after
    engine = open_engine(settings)
    redirect_uri = str(settings.lever_oauth_redirect_uri)
    state = secrets.token_urlsafe(24)
    callback = _Callback(redirect_uri)
    url = oauth.authorize_url(
        settings.oauth_auth_url,
        client_id=client_id,
        redirect_uri=redirect_uri,
        audience=settings.oauth_audience,
        scopes=settings.lever_oauth_scopes,
        state=state,
    )
    typer.echo("Open this URL, sign in to Lever and allow access:")
    typer.echo(url)
    sys.stdout.flush()
    if open_browser:
        webbrowser.open(url)
    query = callback.wait(timeout)
    if query is None:
        raise CommandError(f"No answer from Lever on {redirect_uri} within {timeout} s; run login again.")
    if query.get("state") != state:
        raise CommandError("The redirect's state does not match this login (a stale or forged redirect); try again.")
    if "code" not in query:
        said = query.get("error_description") or query.get("error") or "no code"
        raise CommandError(f"Lever did not grant access: {said[:200]}.")
    with httpx.Client(timeout=30.0) as http:
        tokens = oauth.exchange_code(
            http,
            settings.oauth_auth_url,
            client_id=client_id,
            client_secret=secret.get_secret_value(),
            code=query["code"],
            redirect_uri=redirect_uri,
        )
    with engine.begin() as conn:
        save_tokens(conn, box, tokens)
    refresh = "with a refresh token" if tokens.refresh_token else "WITHOUT a refresh token (offline_access not granted)"
    typer.echo(
        f"Logged in to Lever {refresh}; access token valid until {tokens.expires_at:%Y-%m-%d %H:%M:%S} UTC. "
        f"Tokens stored in the warehouse, encrypted with key {box.current_key_id}."
    )
    if not tokens.refresh_token:
        raise typer.Exit(RUN_FAILED)


@auth_app.command("status")
def status() -> None:
    """How requests authenticate, and what is stored (expiry, scopes, which key encrypted it); never a secret."""
    from lever_pipeline.account.credentials import described

    settings = settings_or_exit()
    typer.echo(f"auth mode: {settings.auth_mode}")
    rows = described(open_engine(settings))
    if not rows:
        typer.echo("stored: nothing")
    for row in rows:
        expires = row["expires_at"]
        scope = row["scope"] or ""
        facts = [f"encrypted with key {row['key_id']}", f"updated {row['updated_at']:%Y-%m-%d %H:%M:%S}"]
        if expires is not None:
            facts.append(f"access token expires {expires:%Y-%m-%d %H:%M:%S}")
        if scope:
            facts.append(f"{len(scope.split())} scopes")
        typer.echo(f"stored {row['name']}: " + ", ".join(facts))


@auth_app.command("logout")
def logout() -> None:
    """Forget the stored OAuth tokens (revoke the app in Lever too, to end the grant there)."""
    from lever_pipeline.account.credentials import forget
    from lever_pipeline.account.oauth_tokens import OAUTH

    gone = forget(open_engine(settings_or_exit()), OAUTH)
    typer.echo("OAuth tokens forgotten." if gone else "No OAuth tokens were stored.")


@auth_app.command("store-key")
def store_key() -> None:
    """Keep an API key in the warehouse, encrypted, read from the terminal (or standard input), never echoed.

    Then set LEVER_AUTH_MODE=stored_key so every process uses it.
    """
    from lever_pipeline.account.client import STORED_API_KEY
    from lever_pipeline.account.credentials import SecretBox, save

    settings = settings_or_exit()
    box = SecretBox.from_settings(settings)
    key = (getpass.getpass("Lever API key: ") if sys.stdin.isatty() else sys.stdin.readline()).strip()
    if not key or any(c.isspace() for c in key):
        raise CommandError("That is not an API key (empty or with spaces); nothing was stored.", CONFIG_ERROR)
    with open_engine(settings).begin() as conn:
        save(conn, box, STORED_API_KEY, {"key": key})
    typer.echo(f"API key stored, encrypted with key {box.current_key_id}. Set LEVER_AUTH_MODE=stored_key to use it.")


@auth_app.command("new-key")
def new_key_command() -> None:
    """Print a fresh key for LEVER_PIPELINE_SECRET_KEY (put it first, keep the old one after it, then rotate)."""
    from lever_pipeline.account.credentials import new_key

    typer.echo(new_key())


@auth_app.command("rotate-key")
def rotate_key() -> None:
    """Re-encrypt every stored credential with the first key of LEVER_PIPELINE_SECRET_KEY."""
    from lever_pipeline.account.credentials import SecretBox, rotate_all

    settings = settings_or_exit()
    box = SecretBox.from_settings(settings)
    rotated, current = rotate_all(open_engine(settings), box)
    typer.echo(
        f"Re-encrypted {plural(rotated, 'stored credential')} with key {box.current_key_id}; "
        f"{current:,} already used it. "
        + ("Older keys can now be removed from LEVER_PIPELINE_SECRET_KEY." if len(box.key_ids) > 1 else "")
    )
