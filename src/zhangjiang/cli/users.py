"""Commands for portal accounts: add and list users."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from zhangjiang.cli.common import (
    OutputFormat,
    app,
    console,
    edge,
    emit_json,
    err_console,
    settings,
    store,
)
from zhangjiang.portal.accounts import ROLES

users_app = typer.Typer(
    help="门户用户 / Portal accounts.", no_args_is_help=True, add_completion=False
)
app.add_typer(users_app, name="users")


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="用户名 / account name")],
    role: Annotated[
        str, typer.Option("--role", help=f"角色 / role: {'|'.join(ROLES)}")
    ],
    facility: Annotated[
        list[str] | None,
        typer.Option("--facility", help="负责的设施，可重复 / facility, repeatable"),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="从标准输入读取密码 / read the password from stdin"
        ),
    ] = False,
) -> None:
    """新增用户 / Add a portal account (argon2-hashed password)."""
    from zhangjiang.portal import audit
    from zhangjiang.portal.accounts import (
        add_user,
        check_facilities,
        registered_facilities,
    )
    from zhangjiang.portal.state import open_state

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(
            "密码 / password", hide_input=True, confirmation_prompt=True
        )
    with edge():
        checked = check_facilities(store(), facility or [])
        if checked and not registered_facilities(store()):
            err_console.print(
                "警告 / warning: 设施名录为空，未核对设施编号 / the facility register is "
                "empty: facility ids not checked (load the facilities form first)"
            )
        state = open_state(settings().db)
        account = add_user(state, name, role, password, checked)
        audit.record(
            state,
            f"cli:{settings().user}",
            "user-add",
            account.name,
            {"role": account.role, "facilities": list(account.facilities)},
        )
    console.print(
        f"已新增用户 / added: {account.name} ({account.role})"
        + (f" · {', '.join(account.facilities)}" if account.facilities else "")
    )


@users_app.command("list")
def list_(
    fmt: Annotated[
        OutputFormat,
        typer.Option("--format", help="输出格式 / output format: table|json"),
    ] = OutputFormat.table,
) -> None:
    """列出用户 / List portal accounts."""
    from zhangjiang.portal.accounts import list_users
    from zhangjiang.portal.state import open_state

    with edge():
        accounts = list_users(open_state(settings().db))
    if fmt is OutputFormat.json:
        emit_json(
            [
                {
                    "name": a.name,
                    "role": a.role,
                    "facilities": list(a.facilities),
                    "active": a.active,
                }
                for a in accounts
            ]
        )
        return
    table = Table("用户 name", "角色 role", "设施 facilities", "启用 active")
    for a in accounts:
        table.add_row(
            a.name, a.role, ", ".join(a.facilities) or "—", "✓" if a.active else "✗"
        )
    console.print(table)
