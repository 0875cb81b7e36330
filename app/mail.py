"""Sending mail: SMTP when MAIL_SERVER is set, otherwise one .eml file per message in the outbox folder."""

from __future__ import annotations

import os
import smtplib
import time
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from app.models import Account


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict[str, str] = field(default_factory=dict)


def outbox_path() -> Path:
    configured = current_app.config.get("MAIL_OUTBOX")
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def send_to_account(account: Account, template: str, attachments: tuple[Attachment, ...] = (), **context: Any) -> None:
    """Render `templates/mail/<template>.txt` in the recipient's language and send it.

    The template's first line is `Subject: ...`; the rest is the body.
    """
    with force_locale(account.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        rendered = render_template(f"mail/{template}.txt", recipient=account, **context)
    subject_line, _, body = rendered.lstrip().partition("\n")
    if not subject_line.startswith("Subject:"):
        raise ValueError(f"mail template {template} must start with a Subject: line")
    send(account.email, subject_line.removeprefix("Subject:").strip(), body.lstrip("\n"), attachments)


def send(to: str, subject: str, body: str, attachments: tuple[Attachment, ...] = ()) -> EmailMessage:
    """Build one message and deliver it."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="koop.example")
    message.set_content(body)
    for attachment in attachments:
        message.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
            params=attachment.params,
        )
    _deliver(message)
    return message


def _deliver(message: EmailMessage) -> None:
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
        return
    folder = outbox_path()
    folder.mkdir(parents=True, exist_ok=True)
    # A sortable, unique name; writing to a temporary name first means readers never see half a file.
    name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
    temporary = folder / f".{name}.tmp"
    temporary.write_bytes(bytes(message))
    os.replace(temporary, folder / name)
