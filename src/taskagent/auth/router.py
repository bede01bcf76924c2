from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from taskagent.auth import tokens
from taskagent.auth.dependencies import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    PasswordHasherDep,
)
from taskagent.auth.schemas import LoginRequest, Session, Token, UserCreate, UserRead, UserUpdate
from taskagent.auth.service import AuthService, EmailTakenError
from taskagent.db import SessionDep
from taskagent.deps import SettingsDep
from taskagent.ratelimit import limit_signup, limit_token

router = APIRouter(tags=["auth"])

BAD_CREDENTIALS = "Incorrect email or password"
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {401: {"description": "Missing, invalid or expired token"}}
RATE_LIMITED: dict[int | str, dict[str, Any]] = {429: {"description": "Too many requests; see Retry-After"}}


@router.post(
    "/users/signup",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    dependencies=[Depends(limit_signup)],
    responses={409: {"description": "The email is already registered"}, **RATE_LIMITED},
)
async def signup(body: UserCreate, session: SessionDep, hasher: PasswordHasherDep) -> Any:
    try:
        return await AuthService(session, hasher).signup(body.email, body.password)
    except EmailTakenError:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="This email is already registered") from None


@router.post(
    "/token",
    response_model=Token,
    dependencies=[Depends(limit_token)],
    responses={401: {"description": BAD_CREDENTIALS}, **RATE_LIMITED},
)
async def login_for_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
) -> Token:
    user = await AuthService(session, hasher).authenticate(form.username, form.password)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail=BAD_CREDENTIALS, headers={"WWW-Authenticate": "Bearer"}
        )
    issued = tokens.issue(settings, user.id, "access")
    return Token(access_token=issued.token, expires_in=issued.expires_in)


@router.get("/users/me", response_model=UserRead, responses=UNAUTHORIZED)
async def read_me(user: CurrentUser) -> Any:
    return user


@router.patch("/users/me", response_model=UserRead, responses=UNAUTHORIZED)
async def update_me(body: UserUpdate, user: CurrentUser, session: SessionDep) -> Any:
    user.timezone = body.timezone
    await session.flush()
    return user


@router.post(
    "/auth/login",
    response_model=Session,
    dependencies=[Depends(limit_token)],
    responses={401: {"description": BAD_CREDENTIALS}, **RATE_LIMITED},
)
async def login_with_cookie(
    body: LoginRequest,
    request: Request,
    response: Response,
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
) -> Session:
    """Sign the web page in: an httpOnly session cookie, and a CSRF token the page echoes in a header."""
    user = await AuthService(session, hasher).authenticate(body.email, body.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=BAD_CREDENTIALS)
    issued = tokens.issue(settings, user.id, "session")
    assert issued.csrf is not None
    secure = settings.session_cookie_secure
    if secure is None:
        secure = request.url.scheme == "https"
    common: dict[str, Any] = {
        "max_age": issued.expires_in,
        "samesite": "strict",
        "secure": secure,
        "path": "/",
    }
    response.set_cookie(SESSION_COOKIE, issued.token, httponly=True, **common)
    response.set_cookie(CSRF_COOKIE, issued.csrf, httponly=False, **common)
    return Session(user=UserRead.model_validate(user), csrf_token=issued.csrf, expires_in=issued.expires_in)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", samesite="strict", httponly=True)
    response.delete_cookie(CSRF_COOKIE, path="/", samesite="strict")
