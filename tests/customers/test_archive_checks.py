"""Customer archive import findings of issue 17: a missing ``code`` column, misnamed columns,
unknown salespeople and countries are row errors, and nothing is half-imported."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from support.apptools import ROOT, make_app

from mailagent.cli.main import cli
from mailagent.customers.archive import import_archive
from mailagent.customers.countries import country_code
from mailagent.db.models import Contact, Customer
from mailagent.errors import ImportDataError
from mailagent.web.users import create_user

SALES = {"amy@ourpcb.com": "amy@ourpcb.com", "amy chen": "amy@ourpcb.com"}


def _xlsx(path: Path, rows: list[list[object]], title: str = "customers") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _count(app_sessions: object, model: type) -> int:
    with app_sessions() as s:  # type: ignore[operator]
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def sessions(tmp_path: Path) -> object:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'a.db'}")
    yield app.sessions
    app.close()


def test_xlsx_without_code_column_is_an_error_not_a_traceback(
    sessions: object, tmp_path: Path
) -> None:
    path = _xlsx(tmp_path / "c.xlsx", [["name", "country"], ["Acme", "US"]])
    with pytest.raises(ImportDataError) as err:
        import_archive(sessions, customers=path, contacts=None, orders=None)  # type: ignore[arg-type]
    assert "c.xlsx:row 1: code: required column missing" in str(err.value)


def test_unknown_salesperson_and_country_are_row_errors(sessions: object, tmp_path: Path) -> None:
    customers = _csv(
        tmp_path / "customers.csv",
        "code,name,country,salesperson\nC1,Good Corp,Germany,Amy Chen\nC2,Ghost Corp,XX,nobody\n",
    )
    contacts = _csv(tmp_path / "contacts.csv", "customer_code,email\nC1,buyer@good.example\n")
    with pytest.raises(ImportDataError) as err:
        import_archive(
            sessions,  # type: ignore[arg-type]
            customers=customers,
            contacts=contacts,
            orders=None,
            salespeople=SALES,
        )
    text = str(err.value)
    assert "customers.csv:row 3: country: 'XX' is not a country" in text
    # a row with a cell error is reported once; fix the country and the salesperson shows
    customers.write_text(
        "code,name,country,salesperson\nC1,Good Corp,DE,Amy Chen\nC2,Ghost,US,nobody\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportDataError) as err:
        import_archive(
            sessions,  # type: ignore[arg-type]
            customers=customers,
            contacts=contacts,
            orders=None,
            salespeople=SALES,
        )
    assert "customers.csv:row 3: salesperson: unknown salesperson 'nobody'" in str(err.value)
    assert _count(sessions, Customer) == 0 and _count(sessions, Contact) == 0  # nothing half-done
    customers.write_text(
        "code,name,country,salesperson\nC1,Good Corp,德国,Amy Chen\n", encoding="utf-8"
    )
    import_archive(
        sessions,  # type: ignore[arg-type]
        customers=customers,
        contacts=contacts,
        orders=None,
        salespeople=SALES,
    )
    with sessions() as s:  # type: ignore[operator]
        row = s.scalars(select(Customer)).one()
        assert (row.country, row.salesperson) == ("DE", "amy@ourpcb.com")


def test_country_codes_and_names() -> None:
    got = [country_code(x) for x in ("de", "US", "China", "中国", "Germany")]
    assert got == ["DE", "US", "CN", "CN", "DE"]
    for bad in ("XX", "ZZ", "EU", "Mars", "Narnia"):
        with pytest.raises(ValueError, match="is not a country"):
            country_code(bad)


def test_cli_checks_salespeople_against_logins(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    app = make_app(tmp_path, db)
    create_user(app, "amy@ourpcb.com", "a long enough password", role="sales", display_name="Amy")
    app.close()
    config = _csv(
        tmp_path / "config.toml",
        f'rules_dir = "{ROOT / "rules"}"\n[store]\nurl = "{db}"\ndir = "{tmp_path / "store"}"\n',
    )
    customers = _csv(
        tmp_path / "customers.csv", "code,name,salesperson\nC1,A,Amy\nC2,B,nobody@ourpcb.com\n"
    )
    run = CliRunner().invoke
    args = ["--config", str(config), "customers", "import", "--customers", str(customers)]
    result = run(cli, args)
    assert result.exit_code != 0
    assert (
        "unknown salesperson 'nobody@ourpcb.com' (known: amy@ourpcb.com)"
        in str(result.exception or "") + result.output
    )
