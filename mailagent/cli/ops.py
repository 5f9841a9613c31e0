"""Operator commands: ``status``, ``backup``, ``restore``, ``verify``, ``retention`` and
``mailbox authorize``. Thin: they call :mod:`mailagent.ops` and print the outcome.
"""

from __future__ import annotations

import click

from mailagent.cli.common import store_app

__all__ = ["OPS_COMMANDS", "status"]


@click.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Readiness checks and metrics, as /readyz and /metrics see them (exit 1 if unhealthy)."""
    from mailagent.ops.health import readiness
    from mailagent.ops.metrics import StoreCollector

    with store_app(ctx) as app:
        ready = readiness(app)
        click.echo(f"status: {'ok' if ready.ok else 'UNHEALTHY'}")
        for check in ready.checks:
            mark = click.style("ok  ", fg="green") if check.ok else click.style("FAIL", fg="red")
            click.echo(f"  {mark} {check.name}: {check.detail}")
        click.echo("metrics:")
        for family in StoreCollector(app).collect():
            if family.type == "histogram":
                samples = {s.name: s.value for s in family.samples}
                n = samples.get(f"{family.name}_count", 0)
                mean = samples.get(f"{family.name}_sum", 0) / n if n else 0
                click.echo(f"  {family.name}: {n:.0f} observed, mean {mean:.1f} s")
                continue
            for sample in family.samples:
                if sample.name.endswith("_created"):
                    continue
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                click.echo(
                    f"  {sample.name}{'{' + labels + '}' if labels else ''} {sample.value:g}"
                )
    if not ready.ok:
        ctx.exit(1)


OPS_COMMANDS: tuple[click.Command, ...] = (status,)
