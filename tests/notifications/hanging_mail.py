"""A mail server that takes a message and never answers, as one that hangs mid-conversation:
it writes the recipients to HANGING_MAIL_MARK (so a test knows the send has begun) and then
blocks, delivering nothing."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class HangingMailServer(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        mark = Path(os.environ["HANGING_MAIL_MARK"])
        written = mark.with_suffix(".part")
        written.write_text(json.dumps([message.to for message in email_messages]))
        written.replace(mark)  # whole, at once: the test reads it as soon as it appears
        threading.Event().wait()  # until the process is killed
        return 0
