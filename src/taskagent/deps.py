"""Dependencies shared by every domain."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from taskagent.config import Settings


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
