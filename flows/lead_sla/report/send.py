"""Delivering the day's report: by e-mail (the report inline as the HTML body) and as a short summary
posted to a webhook (Slack-compatible JSON). Each channel is off until its settings are given.

Plain functions, no Prefect: ``lead-sla report send`` calls :func:`deliver`. The summary's numbers
are the report's own (``ReportData``, read from the published copy), so the e-mail, the webhook and
the page say the same.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import httpx

from lead_sla.report.data import ReportData
from lead_sla.report.formatting import integer, long_day, percent
from lead_sla.settings import Settings


class DeliveryError(RuntimeError):
    """A channel could not deliver (the message names the channel and why; never a secret)."""


@dataclass(frozen=True)
class Delivery:
    """What one channel did: ``sent`` true, or false with the reason."""

    channel: str  # "e-mail" or "webhook"
    sent: bool
    detail: str


def summary_lines(data: ReportData) -> list[str]:
    """The day in a few lines: marketing against target, deadlines met, open breaches, quarantine."""
    m, b = data.marketing.total, data.breaches.total
    lines = [
        f"MQLs this month: {integer(m['mqls_delivered'])} of {integer(m['mql_target'])} committed "
        f"({percent(m['mql_attainment'])}), pace {percent(m['pace_attainment'])}",
        f"Deadlines met: {percent(b['sla_attainment'])} ({integer(b['handoffs_met_by_due'])} of "
        f"{integer(b['handoffs_due'])} first-touch deadlines, last {(data.breaches.end - data.breaches.start).days + 1} days)",
        f"Open breaches: {integer(b['open_breaches'])}; past the agreement's untouched point: "
        f"{integer(len(data.attainment.past_point))}",
    ]
    q = data.quarantine
    if q.available:
        flagged = [str(r["stream"]) for r in q.streams if r["verdict"] in ("warning", "critical")]
        lines.append(f"Quarantined tonight: {q.rows_quarantined:,} of {q.rows_read:,} rows read"
                     + (f" (beyond the agreed share: {', '.join(flagged)})" if flagged else ""))
    return lines


def subject(day: date) -> str:
    return f"Lead SLA report · {long_day(day)}"


def compose_email(html: str, data: ReportData, sender: str, recipients: list[str], report_name: str) -> EmailMessage:
    """The e-mail: the summary as plain text, the report inline as the HTML alternative (it is
    self-contained: inline CSS and SVG, no script, no remote image)."""
    message = EmailMessage()
    message["Subject"] = subject(data.run_date)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] if "@" in sender else None)
    text = "\n".join([subject(data.run_date), "", *summary_lines(data), "",
                      f"The full report is this e-mail's HTML part ({report_name})."])
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send_email(settings: Settings, message: EmailMessage) -> None:
    """Hand ``message`` to the configured SMTP server (STARTTLS, implicit TLS or none; login when a
    user is set). Raises ``DeliveryError`` naming the server and the reason."""
    assert settings.smtp_host is not None
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        if settings.smtp_security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                                     timeout=settings.smtp_timeout_seconds,
                                                     context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds)
        with client:
            client.ehlo()
            if settings.smtp_security == "starttls":
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if settings.smtp_username:
                password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                client.login(settings.smtp_username, password)
            refused = client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"e-mail: {where} refused the login of {settings.smtp_username} ({exc.smtp_code})") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"e-mail: {where} refused every recipient: {', '.join(exc.recipients)}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"e-mail: could not send through {where}: {type(exc).__name__}: {exc}") from None
    if refused:
        raise DeliveryError(f"e-mail: {where} refused {', '.join(refused)} (the others got it)")


def webhook_payload(data: ReportData, report_name: str) -> dict:
    """A Slack-compatible message: ``text`` (shown by every client and in notifications) and the same
    lines as a ``blocks`` section."""
    lines = summary_lines(data)
    text = f"*{subject(data.run_date)}*\n" + "\n".join(f"• {line}" for line in lines)
    return {
        "text": text,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": subject(data.run_date)}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(f"• {line}" for line in lines)}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Full report: {report_name}"}]},
        ],
    }


def post_webhook(settings: Settings, payload: dict) -> None:
    """POST ``payload`` as JSON to the webhook, with the HTTP timeout; any answer but 2xx is an error.
    The URL is a secret (it carries the token): messages name only its host."""
    assert settings.report_webhook_url is not None
    url = settings.report_webhook_url.get_secret_value()
    host = httpx.URL(url).host
    try:
        response = httpx.post(url, json=payload, timeout=settings.http_timeout_seconds)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook: could not reach {host}: {type(exc).__name__}") from None
    if not response.is_success:
        raise DeliveryError(f"webhook: {host} answered HTTP {response.status_code}: {response.text[:200]}")


def channels(settings: Settings) -> list[str]:
    """The channels the settings turn on, in the order they are tried."""
    return [name for name, on in (("e-mail", bool(settings.smtp_host)), ("webhook", settings.report_webhook_url is not None))
            if on]


def deliver(settings: Settings, data: ReportData, report: Path) -> list[Delivery]:
    """Send the report at ``report`` (built from ``data``) on every configured channel. A channel that
    fails does not stop the other; each result says what happened."""
    results = []
    for channel in channels(settings):
        try:
            if channel == "e-mail":
                message = compose_email(report.read_text(encoding="utf-8"), data, str(settings.report_mail_from),
                                        settings.report_recipients, report.name)
                send_email(settings, message)
                detail = f"sent to {', '.join(settings.report_recipients)} through {settings.smtp_host}:{settings.smtp_port}"
            else:
                post_webhook(settings, webhook_payload(data, report.name))
                detail = f"posted to {httpx.URL(settings.report_webhook_url.get_secret_value()).host}"  # type: ignore[union-attr]
            results.append(Delivery(channel, True, detail))
        except DeliveryError as exc:
            results.append(Delivery(channel, False, str(exc)))
    return results
