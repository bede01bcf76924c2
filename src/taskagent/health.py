from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from taskagent import __version__

router = APIRouter(tags=["health"])

# A health probe that waits on a dead database for the pool timeout is useless to a load balancer.
DATABASE_CHECK_SECONDS = 2.0


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]
    version: str


async def _database_ok(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(DATABASE_CHECK_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database is unreachable"}},
)
async def health(request: Request) -> JSONResponse:
    ok = await _database_ok(request.app.state.engine)
    body = Health(
        status="ok" if ok else "unavailable", database="ok" if ok else "unreachable", version=__version__
    )
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
