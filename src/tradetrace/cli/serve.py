"""`tradetrace serve`: the investigation web application on this workspace."""

from __future__ import annotations

import ipaddress
import secrets

import click

from tradetrace.cli import Ctx, _fail, cli, pass_ctx


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8765, show_default=True)
@click.option(
    "--token",
    default=None,
    envvar="TRADETRACE_TOKEN",
    help="Token every request must carry (Authorization: Bearer, or ?token= once). Required off "
    "loopback: one is generated and printed when not given.",
)
@pass_ctx
def serve(ctx: Ctx, host: str, port: int, token: str | None) -> None:
    """Serve cases, entities, records, the network explorer, triage and the JSON API (/docs)."""
    import uvicorn

    from tradetrace.web.app import create_app

    settings = ctx.settings
    if not settings.database_path.is_file():
        _fail(
            f"{settings.workspace}: no workspace here yet; run `tradetrace ingest` or `tradetrace demo` first"
        )
    loopback = is_loopback(host)
    if not loopback and not token:
        token = secrets.token_urlsafe(24)
    app = create_app(settings, token=token, loopback=loopback)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    click.echo(f"tradetrace serving {settings.workspace} at {url}")
    if token:
        click.echo(f"token: {token}   (open {url}?token={token} once, or send Authorization: Bearer TOKEN)")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
