from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status

from taskagent.access_tokens.schemas import TokenCreate, TokenCreated, TokenRead
from taskagent.access_tokens.service import AccessTokenService, TokenNotFoundError, TooManyTokensError
from taskagent.auth.dependencies import (
    CSRF_FAILED,
    UNAUTHORIZED,
    CurrentUserId,
    ErrorResponse,
    Responses,
    unprocessable,
)
from taskagent.db import SessionDep
from taskagent.deps import SettingsDep

router = APIRouter(prefix="/users/me/tokens", tags=["access tokens"])

# Signed in by password only: an access token cannot make, list or revoke tokens.
NO_TOKENS: Responses = {
    403: {
        "model": ErrorResponse,
        "description": "An access token (they cannot manage tokens), or no CSRF header",
    }
}


async def get_token_service(
    session: SessionDep, user_id: CurrentUserId, settings: SettingsDep
) -> AccessTokenService:
    return AccessTokenService(session, user_id, settings.jwt_secret)


TokenServiceDep = Annotated[AccessTokenService, Depends(get_token_service)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenCreated,
    responses={
        **UNAUTHORIZED,
        **CSRF_FAILED,
        **NO_TOKENS,
        409: {"model": ErrorResponse, "description": "The user already has the most tokens allowed"},
        **unprocessable("No name, no or unknown scopes, or an expiry outside 1-3650 days"),
    },
)
async def create_token(body: TokenCreate, tokens: TokenServiceDep) -> Any:
    """A new token, shown this once: only its hash is kept."""
    try:
        row, token = await tokens.create(body)
    except TooManyTokensError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    return TokenCreated(**TokenRead.model_validate(row).model_dump(), token=token)


@router.get("", response_model=list[TokenRead], responses={**UNAUTHORIZED, **NO_TOKENS})
async def list_tokens(tokens: TokenServiceDep) -> Any:
    return await tokens.all()


@router.delete(
    "/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **UNAUTHORIZED,
        **CSRF_FAILED,
        **NO_TOKENS,
        404: {"model": ErrorResponse, "description": "No such token for this user"},
    },
)
async def revoke_token(token_id: int, tokens: TokenServiceDep) -> None:
    """Revoke a token: it stops working at once."""
    try:
        await tokens.revoke(token_id)
    except TokenNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
