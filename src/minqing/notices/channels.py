"""Where outward messages go: e-mail through Django's mail backends (EMAIL_BACKEND),
SMS through a gateway backend named by MINQING_SMS_BACKEND.

An SMS backend is a class with ``send(phone, text)`` that returns normally when the
gateway took the message and raises ``SendError`` otherwise. Two are provided:

- ``LogSmsBackend`` (default): writes the message to the log (phone masked) and sends nothing;
- ``HttpSmsBackend``: a generic HTTP gateway: POST to MINQING_SMS_HTTP_URL, body
  MINQING_SMS_HTTP_TEMPLATE with ``{phone}`` and ``{text}`` filled in (JSON-escaped when
  the content type, MINQING_SMS_HTTP_CONTENT_TYPE, is JSON; URL-encoded otherwise),
  extra headers from MINQING_SMS_HTTP_HEADERS; any 2xx answer is success.
"""

import json
import logging
from urllib.parse import quote_plus

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from minqing.people.scoping import mask_phone

log = logging.getLogger("minqing.notices")


class SendError(Exception):
    pass


class LogSmsBackend:
    def send(self, phone, text):
        log.info("SMS to %s: %s", mask_phone(phone), text)


class HttpSmsBackend:
    def __init__(self):
        self.url = getattr(settings, "MINQING_SMS_HTTP_URL", "")
        self.template = getattr(settings, "MINQING_SMS_HTTP_TEMPLATE", '{"phone": "{phone}", "text": "{text}"}')
        self.content_type = getattr(settings, "MINQING_SMS_HTTP_CONTENT_TYPE", "application/json")
        self.headers = dict(getattr(settings, "MINQING_SMS_HTTP_HEADERS", {}) or {})
        self.timeout = float(getattr(settings, "MINQING_SMS_HTTP_TIMEOUT", 10))
        if not self.url:
            raise SendError("MINQING_SMS_HTTP_URL is not set")

    def body(self, phone, text):
        if "json" in self.content_type:
            esc = lambda v: json.dumps(v, ensure_ascii=False)[1:-1]  # noqa: E731 - inside a JSON string
        else:
            esc = quote_plus
        from .core import fill

        return fill(self.template, {"phone": esc(phone), "text": esc(text)}).encode()

    def send(self, phone, text):
        import httpx

        headers = {"Content-Type": self.content_type, "User-Agent": "minqing-sms/1", **self.headers}
        try:
            resp = httpx.post(self.url, content=self.body(phone, text), headers=headers, timeout=self.timeout)
        except httpx.HTTPError as e:
            raise SendError(f"{type(e).__name__}: {e}") from e
        if not 200 <= resp.status_code < 300:
            raise SendError(f"HTTP {resp.status_code}: {resp.text[:200]}")


def sms_backend():
    return import_string(getattr(settings, "MINQING_SMS_BACKEND", "minqing.notices.channels.LogSmsBackend"))()


def send_email(to, subject, body):
    try:
        sent = EmailMessage(subject=subject, body=body, to=[to]).send()
    except Exception as e:  # noqa: BLE001 - SMTP and backend errors alike: retried later
        raise SendError(f"{type(e).__name__}: {e}") from e
    if sent != 1:
        raise SendError("the mail backend sent nothing")
