from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from taskagent.auth import tokens
from taskagent.auth.account import AccountService
from taskagent.auth.dependencies import CSRF_COOKIE, SESSION_COOKIE, session_claims
from taskagent.auth.repository import SessionRepository
from taskagent.auth.schemas import (
    AccountDeletion,
    LoginRequest,
    PasswordChange,
    Session,
    Token,
    UserCreate,
    UserRead,
    UserUpdate,
)
from taskagent.auth.service import AuthService, EmailTakenError
from taskagent.config import Settings
from taskagent.dependencies import (
    CurrentUser,
    PasswordHasherDep,
    RateLimiterDep,
    SessionDep,
    SettingsDep,
    limit_login_account,
    limit_signup,
    limit_token,
)
from taskagent.errors import Forbidden, InvalidRequest, RateLimited, Unauthorized, error_responses
from taskagent.ratelimit import request_is_https
from taskagent.resources import request_resources

router = APIRouter(tags=["auth"])


class BadCredentials(Unauthorized):
    description = "Incorrect email or password (one message for every bad credential)"

    def __init__(self) -> None:
        super().__init__("Incorrect email or password")


@router.post(
    "/users/signup",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    dependencies=[Depends(limit_signup)],
    responses=error_responses(
        EmailTakenError,
        InvalidRequest,
        RateLimited,
        invalid_request="A bad email, or a password under 8 characters",
    ),
)
async def signup(body: UserCreate, session: SessionDep, hasher: PasswordHasherDep) -> Any:
    return await AuthService(session, hasher).signup(body.email, body.password)


@router.post(
    "/token",
    response_model=Token,
    dependencies=[Depends(limit_token)],
    responses=error_responses(BadCredentials, RateLimited),
)
async def login_for_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
    request: Request,
    limiter: RateLimiterDep,
) -> Token:
    await limit_login_account(request, limiter, form.username)
    user = await AuthService(session, hasher).authenticate(form.username, form.password)
    if user is None:
        raise BadCredentials()
    issued = tokens.issue(settings, user.id, "access")
    return Token(access_token=issued.token, expires_in=issued.expires_in)


@router.get("/users/me", response_model=UserRead, responses=error_responses(Unauthorized))
async def read_me(user: CurrentUser) -> Any:
    return user


@router.patch(
    "/users/me",
    response_model=UserRead,
    responses=error_responses(
        Unauthorized,
        Forbidden,
        InvalidRequest,
        invalid_request="Not an IANA time zone name, nothing to change, or email from a server without SMTP",
    ),
)
async def update_me(body: UserUpdate, user: CurrentUser, session: SessionDep, settings: SettingsDep) -> Any:
    if body.notify_email and settings.smtp_url is None:
        raise InvalidRequest.at(
            ("body", "notify_email"), "this server sends no email (its operator has not set SMTP_URL)"
        )
    for field, value in body.model_dump(exclude_unset=True).items():
        setattr(user, field, value)
    await session.flush()
    return user


def _cookie_attributes(settings: Settings, request: Request) -> dict[str, Any]:
    secure = settings.session_cookie_secure
    if secure is None:
        secure = request_is_https(request, settings.trusted_proxies)
    return {"samesite": "strict", "secure": secure, "path": "/"}


@router.post(
    "/auth/login",
    response_model=Session,
    dependencies=[Depends(limit_token)],
    responses=error_responses(BadCredentials, RateLimited),
)
async def login_with_cookie(
    body: LoginRequest,
    request: Request,
    response: Response,
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> Session:
    """Sign the web page in: an httpOnly session cookie, and a CSRF token the page echoes in a header.

    The CSRF token is also in the readable `taskagent_csrf` cookie. Requests that change something
    (POST, PUT, PATCH, DELETE) authenticated by the cookie must send it as `X-CSRF-Token`.
    """
    await limit_login_account(request, limiter, body.email)
    user = await AuthService(session, hasher).authenticate(body.email, body.password)
    if user is None:
        raise BadCredentials()
    expires_at = datetime.now(UTC) + tokens.lifetime_of(settings, "session")
    session_id = await SessionRepository(session).start(user.id, expires_at)
    issued = tokens.issue(settings, user.id, "session", session_id=session_id)
    assert issued.csrf is not None
    common = {"max_age": issued.expires_in, **_cookie_attributes(settings, request)}
    response.set_cookie(SESSION_COOKIE, issued.token, httponly=True, **common)
    response.set_cookie(CSRF_COOKIE, issued.csrf, httponly=False, **common)
    return Session(user=UserRead.model_validate(user), csrf_token=issued.csrf, expires_in=issued.expires_in)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(request: Request, response: Response, settings: SettingsDep, session: SessionDep) -> None:
    """End the session on the server (its cookie no longer works anywhere, even if kept), and clear the
    cookies (the same attributes as when they were set, so browsers drop them)."""
    claims = session_claims(request)
    if claims is not None and claims.session_id is not None:
        await SessionRepository(session).end(claims.session_id)
    _clear_session_cookies(settings, request, response)


def _clear_session_cookies(settings: Settings, request: Request, response: Response) -> None:
    attributes = _cookie_attributes(settings, request)
    response.delete_cookie(SESSION_COOKIE, httponly=True, **attributes)
    response.delete_cookie(CSRF_COOKIE, **attributes)


_ACCOUNT_ERRORS = error_responses(
    Unauthorized,
    Forbidden,
    InvalidRequest,
    invalid_request="A wrong password (nothing is changed), or a new password that is not allowed",
)


async def _account_service(
    user: CurrentUser, session: SessionDep, hasher: PasswordHasherDep, settings: SettingsDep
) -> AccountService:
    return AccountService(session, hasher, user, settings.jwt_secret)


AccountServiceDep = Annotated[AccountService, Depends(_account_service)]


@router.post("/users/me/password", status_code=status.HTTP_204_NO_CONTENT, responses=_ACCOUNT_ERRORS)
async def change_password(
    body: PasswordChange,
    request: Request,
    response: Response,
    account: AccountServiceDep,
    settings: SettingsDep,
) -> None:
    """Change the password. Every session (this one too), access token and bearer token of the account
    ends: sign in again with the new password."""
    valid_after = await account.change_password(body.current_password, body.new_password)
    request_resources(request).known_users.add(account.user_id, valid_after)
    _clear_session_cookies(settings, request, response)


@router.delete("/users/me", status_code=status.HTTP_204_NO_CONTENT, responses=_ACCOUNT_ERRORS)
async def delete_me(
    body: AccountDeletion,
    request: Request,
    response: Response,
    account: AccountServiceDep,
    settings: SettingsDep,
) -> None:
    """Delete the account and everything in it (tasks, conversations, tokens, calendar feed, sessions)."""
    await account.delete(body.password)
    request_resources(request).known_users.forget(account.user_id)
    _clear_session_cookies(settings, request, response)
