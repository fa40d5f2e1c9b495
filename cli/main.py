"""The `wrestle` command: operating the backend from a shell."""

from __future__ import annotations

import typer

from cli import db, demo, serve
from cli import ingest as ingest_cli
from cli import legacy as legacy_cli
from cli import users as users_cli

app = typer.Typer(help="Wrestling analytics backend.", no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(db.app, name="db")
app.add_typer(users_cli.app, name="users")
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("ingest")(ingest_cli.ingest)
app.command("import-legacy")(legacy_cli.import_legacy)

if __name__ == "__main__":
    app()
