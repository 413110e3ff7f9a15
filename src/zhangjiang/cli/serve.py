"""The serve command: the dashboard and JSON API over the store's snapshot."""

from __future__ import annotations

from typing import Annotated

import typer

from zhangjiang.cli.common import app, console, settings


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="监听地址 / address to listen on")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="端口 / port")
    ] = 8000,
) -> None:
    """启动网页看板与接口 / Serve the dashboard and the JSON API (/api/v1/)."""
    import uvicorn  # heavy: loaded only by this command

    from zhangjiang.web.app import create_app

    web = create_app(settings())
    console.print(
        f"看板 / dashboard: http://{host}:{port}/   接口 / API: http://{host}:{port}/api/v1/openapi.json"
    )
    # The app reads X-Forwarded-For itself, from the trusted_proxies setting only
    # (uvicorn's default would believe any header sent from 127.0.0.1).
    uvicorn.run(web, host=host, port=port, log_level="info", proxy_headers=False)
