from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from taskagent.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

# A password being set: bounded here, and checked against the common ones by passwords.check_new_password
# (in the service, off the event loop).
NewPassword = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]
# A password being checked: only bounded, so an over-long one is never hashed.
GivenPassword = Annotated[str, Field(max_length=MAX_PASSWORD_LENGTH)]
_ZONES = frozenset(available_timezones())


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: NewPassword


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)
    password: GivenPassword


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    timezone: str
    created_at: datetime


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str = Field(description="An IANA time zone name, such as Europe/Paris")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in _ZONES:
            raise ValueError(f"unknown time zone {value!r}: use an IANA name such as Europe/Paris")
        return value


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class Session(BaseModel):
    user: UserRead
    csrf_token: str
    expires_in: int


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: GivenPassword
    new_password: NewPassword


class AccountDeletion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: GivenPassword
