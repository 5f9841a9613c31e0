"""``mailagent customers``: the customer archive (import customers, contacts and orders)."""

from __future__ import annotations

from pathlib import Path

import click

from mailagent.cli.common import cli_app


@click.group()
def customers() -> None:
    """Customer archive."""


@customers.command("import")
@click.option("--customers", "customers_file", type=click.Path(exists=True, path_type=Path))
@click.option("--contacts", "contacts_file", type=click.Path(exists=True, path_type=Path))
@click.option("--orders", "orders_file", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.pass_context
def customers_import(
    ctx: click.Context,
    customers_file: Path | None,
    contacts_file: Path | None,
    orders_file: Path | None,
    dry_run: bool,
) -> None:
    """Import customers, contacts and orders from CSV or XLSX (all or nothing)."""
    from mailagent.customers.archive import import_archive
    from mailagent.customers.salespeople import known_salespeople

    with cli_app(ctx, with_model=False) as app:
        with app.sessions() as session:
            known = known_salespeople(session, app.settings)
        report = import_archive(
            app.sessions,
            customers=customers_file,
            contacts=contacts_file,
            orders=orders_file,
            dry_run=dry_run,
            salespeople=known,
        )
    click.echo(str(report))
