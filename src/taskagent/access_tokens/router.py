from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from taskagent.access_tokens.schemas import TokenCreate, TokenCreated, TokenRead
from taskagent.access_tokens.service import AccessTokenService, TokenNotFoundError, TooManyTokensError
from taskagent.dependencies import CurrentUserId, SessionDep, SettingsDep
from taskagent.errors import Forbidden, InvalidRequest, Unauthorized, error_responses

router = APIRouter(prefix="/users/me/tokens", tags=["access tokens"])

# Signed in by password only: an access token cannot make, list or revoke tokens.
NO_TOKENS = "An access token (they cannot manage tokens), or no CSRF header"


async def get_token_service(
    session: SessionDep, user_id: CurrentUserId, settings: SettingsDep
) -> AccessTokenService:
    return AccessTokenService(session, user_id, settings.jwt_secret)


TokenServiceDep = Annotated[AccessTokenService, Depends(get_token_service)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenCreated,
    responses=error_responses(
        Unauthorized,
        Forbidden,
        TooManyTokensError,
        InvalidRequest,
        forbidden=NO_TOKENS,
        invalid_request="No name, no or unknown scopes, or an expiry outside 1-3650 days",
    ),
)
async def create_token(body: TokenCreate, tokens: TokenServiceDep) -> Any:
    """A new token, shown this once: only its hash is kept."""
    row, token = await tokens.create(body)
    return TokenCreated(**TokenRead.model_validate(row).model_dump(), token=token)


@router.get(
    "",
    response_model=list[TokenRead],
    responses=error_responses(Unauthorized, Forbidden, forbidden=NO_TOKENS),
)
async def list_tokens(tokens: TokenServiceDep) -> Any:
    return await tokens.all()


@router.delete(
    "/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(Unauthorized, Forbidden, TokenNotFoundError, forbidden=NO_TOKENS),
)
async def revoke_token(token_id: int, tokens: TokenServiceDep) -> None:
    """Revoke a token: it stops working at once."""
    await tokens.revoke(token_id)
