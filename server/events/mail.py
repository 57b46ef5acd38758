"""E-mail notifications from the hub: a new offer or a new message, to the people who asked for
them, over SMTP (aiosmtplib). Sending happens in the background: a slow or unreachable mail
server never slows a claim, and its failures are logged (without addresses or contents)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from server.settings import SmtpSettings

log = logging.getLogger("triage.mail")


@dataclass(frozen=True)
class Mail:
    person_id: str
    kind: str  # "offer" | "message"
    subject: str
    body: str


class Mailer:
    def __init__(self, settings: SmtpSettings, queue_limit: int = 1000) -> None:
        self.settings = settings
        self._queue: asyncio.Queue[tuple[str, Mail]] = asyncio.Queue(queue_limit)
        self._task: asyncio.Task[None] | None = None
        self.sent = 0
        self.failed = 0

    def start(self) -> None:
        if self.settings.enabled and self._task is None:
            self._task = asyncio.create_task(self._run(), name="mailer")

    async def stop(self, grace: float = 2.0) -> None:
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), grace)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    def send(self, address: str, mail: Mail) -> None:
        if not self.settings.enabled or not address:
            return
        try:
            self._queue.put_nowait((address, mail))
        except asyncio.QueueFull:
            self.failed += 1
            log.warning("mail queue full: dropped the %s notification for %s", mail.kind, mail.person_id)

    async def _run(self) -> None:
        while True:
            address, mail = await self._queue.get()
            try:
                await self._deliver(address, mail)
                self.sent += 1
            except Exception as exc:  # the hub keeps working whatever the mail server does
                self.failed += 1
                log.warning(
                    "could not mail the %s notification for %s: %s",
                    mail.kind,
                    mail.person_id,
                    type(exc).__name__,
                )
            finally:
                self._queue.task_done()

    async def _deliver(self, address: str, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = address
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        s = self.settings
        await aiosmtplib.send(
            message,
            hostname=s.host,
            port=s.port,
            username=s.username or None,
            password=s.password or None,
            start_tls=s.starttls,
            use_tls=False,
            timeout=s.timeout,
        )
