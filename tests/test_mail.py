"""Mail: an .eml file per message in the outbox without MAIL_SERVER, SMTP with it (against a real local sink)."""

from __future__ import annotations

import base64
import email
import smtplib
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

import pytest

from app import mail
from app.auth.services import request_password_reset
from tests.factories import AccountFactory


@dataclass
class Received:
    """What the sink was told: the envelope, the logins and the messages."""

    mail_from: list[str] = field(default_factory=list)
    rcpt_to: list[str] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)


class _SmtpSession(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        received: Received = self.server.received  # type: ignore[attr-defined]
        self.reply("220 sink.localhost ESMTP test sink")
        while line := self.rfile.readline():
            command = line.decode("ascii").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-sink.localhost")
                self.reply("250 AUTH PLAIN")
            elif verb == "HELO" or verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "AUTH":
                _, user, password = base64.b64decode(command.split()[2]).decode("utf-8").split("\0")
                received.logins.append((user, password))
                self.reply("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                received.mail_from.append(command.split(":", 1)[1].strip())
                self.reply("250 OK")
            elif verb == "RCPT":
                received.rcpt_to.append(command.split(":", 1)[1].strip())
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = bytearray()
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk  # undo dot-stuffing
                received.messages.append(email.message_from_bytes(bytes(data)))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class _Sink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def smtp_sink(app) -> Iterator[Received]:
    """A real SMTP server on 127.0.0.1; the app is configured to send through it."""
    server = _Sink(("127.0.0.1", 0), _SmtpSession)
    server.received = Received()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.server_address[1], MAIL_USE_TLS=False)
    try:
        yield server.received  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# The outbox


def test_without_mail_server_each_message_is_an_eml_file(app, outbox):
    assert not app.config.get("MAIL_SERVER")
    mail.send("someone@example.org", "Grüße aus Koop", "Hallo,\n\nein Text mit Umlauten: äöüß.\n")
    files = list(Path(app.config["MAIL_OUTBOX"]).iterdir())
    assert len(files) == 1
    assert files[0].suffix == ".eml"
    message = outbox.last()
    assert message["To"] == "someone@example.org"
    assert message["From"] == app.config["MAIL_SENDER"]
    assert str(make_header(decode_header(message["Subject"]))) == "Grüße aus Koop"
    assert message["Message-ID"] and message["Date"]
    assert "äöüß" in outbox.body(message)


def test_outbox_files_sort_in_sending_order(app, outbox):
    for number in range(5):
        mail.send("someone@example.org", f"Message {number}", "text")
    assert [message["Subject"] for message in outbox.messages()] == [f"Message {n}" for n in range(5)]
    assert not list(Path(app.config["MAIL_OUTBOX"]).glob(".*"))  # no half-written temporary files are left


def test_outbox_defaults_to_the_instance_folder(app):
    app.config["MAIL_OUTBOX"] = None
    assert mail.outbox_path() == Path(app.instance_path) / "outbox"


def test_attachments_are_kept(app, outbox):
    attachment = mail.Attachment(
        "invite.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text", "calendar", {"method": "REQUEST"}
    )
    mail.send("someone@example.org", "With attachment", "See the attachment.", (attachment,))
    message = outbox.last()
    parts = [part for part in message.walk() if part.get_filename() == "invite.ics"]
    assert len(parts) == 1
    assert parts[0].get_content_type() == "text/calendar"
    assert parts[0].get_param("method") == "REQUEST"
    assert parts[0].get_payload(decode=True) == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    assert outbox.body(message) == "See the attachment.\n"


def test_mails_to_accounts_follow_the_recipients_language(app, outbox):
    english = AccountFactory(email="en@example.org", locale="en")
    with app.test_request_context():
        mail.send_to_account(english, "password_reset", link="http://localhost/auth/reset/abc", valid_for=None)
    message = outbox.last()
    assert message["Subject"] == "Set a new password for Koop"
    assert "http://localhost/auth/reset/abc" in outbox.body(message)
    assert outbox.body(message).startswith(f"Hello {english.display_name},")


# SMTP


def test_with_mail_server_smtp_is_used(app, outbox, smtp_sink):
    mail.send("someone@example.org", "Über SMTP", "Grüße.\n.\nEine Zeile mit nur einem Punkt davor.\n")
    assert outbox.messages() == []
    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["To"] == "someone@example.org"
    assert "Grüße." in message.get_payload(decode=True).decode("utf-8")
    assert smtp_sink.rcpt_to == ["<someone@example.org>"]
    assert smtp_sink.mail_from == ["<koop@koop.example>"]
    assert smtp_sink.logins == []


def test_smtp_login_when_a_user_is_configured(app, smtp_sink):
    app.config.update(MAIL_USERNAME="koop", MAIL_PASSWORD="smtp-secret")
    mail.send("someone@example.org", "Subject", "Body")
    assert smtp_sink.logins == [("koop", "smtp-secret")]
    assert len(smtp_sink.messages) == 1


def test_smtp_with_tls_required_refuses_a_server_without_starttls(app, outbox, smtp_sink):
    """Never fall back to plain text when TLS is asked for."""
    app.config["MAIL_USE_TLS"] = True
    with pytest.raises(smtplib.SMTPNotSupportedError):
        mail.send("someone@example.org", "Subject", "Body")
    assert smtp_sink.messages == []
    assert outbox.messages() == []


def test_password_reset_mail_goes_through_smtp(app, outbox, smtp_sink):
    AccountFactory(email="known@example.org", locale="en")
    request_password_reset("known@example.org")
    assert outbox.messages() == []
    (message,) = smtp_sink.messages
    assert message["Subject"] == "Set a new password for Koop"
    assert "http://localhost/auth/reset/" in message.get_payload(decode=True).decode("utf-8")
