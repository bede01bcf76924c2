"""Sending one email through the operator's SMTP server, named by one URL (SMTP_URL).

smtplib is blocking: callers run `SmtpTarget.send` in a thread (asyncio.to_thread), never on the event loop.
This module needs only the standard library, so the settings can check the URL when they load.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

Security = Literal["none", "starttls", "tls"]
_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("none", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}
TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    security: Security
    sender: str
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        """Read SMTP_URL; a ValueError says which part is wrong (never echoing the password)."""
        parts = urlsplit(url)
        if parts.scheme not in _SCHEMES:
            raise ValueError("SMTP_URL must start with smtp://, smtp+starttls:// or smtps://")
        if not parts.hostname:
            raise ValueError("SMTP_URL names no host")
        try:
            port = parts.port
        except ValueError:
            raise ValueError("SMTP_URL has an invalid port") from None
        security, default_port = _SCHEMES[parts.scheme]
        senders = parse_qs(parts.query).get("from", [])
        sender = senders[0] if senders else f"taskagent@{parts.hostname}"
        if "@" not in parseaddr(sender)[1]:
            raise ValueError("SMTP_URL's ?from= is not an email address")
        return cls(
            host=parts.hostname,
            port=port or default_port,
            security=security,
            sender=sender,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def send(self, message: EmailMessage) -> None:
        """Deliver one message (blocking); raises smtplib/OSError errors for the caller to retry."""
        message["From"] = self.sender
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.security == "tls":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        with client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username is not None:
                client.login(self.username, self.password or "")
            client.send_message(message)
