from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool, field_validator, model_validator

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
    notify_web: bool = Field(description="Reminders appear in the page's notification list")
    notify_email: bool = Field(description="Reminders are emailed to the account's address")


class UserUpdate(BaseModel):
    """Any of the fields, at least one; a field left out keeps its value."""

    model_config = ConfigDict(extra="forbid")

    timezone: str | None = Field(default=None, description="An IANA time zone name, such as Europe/Paris")
    notify_web: StrictBool | None = Field(
        default=None, description="Show reminders in the page's notifications"
    )
    notify_email: StrictBool | None = Field(
        default=None, description="Email reminders (the server must have an SMTP server configured)"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in _ZONES:
            raise ValueError(f"unknown time zone {value!r}: use an IANA name such as Europe/Paris")
        return value

    @model_validator(mode="after")
    def _something_given(self) -> UserUpdate:
        if not self.model_fields_set:
            raise ValueError("nothing to change: give timezone, notify_web or notify_email")
        if given_null := sorted(name for name in self.model_fields_set if getattr(self, name) is None):
            raise ValueError(f"{', '.join(given_null)} cannot be null")
        return self


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
