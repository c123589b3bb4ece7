"""``lead-sla report send``: the published day's report e-mailed (inline HTML) through a local SMTP
server and its summary posted to a local webhook, both on loopback; each channel off by default."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lead_sla.report.cli import app
from lead_sla.report.data import load_report_data
from lead_sla.report.send import summary_lines
from tests.support.published import PublishedDemo
from tests.report.metrics import read_metrics, value
from tests.support.smtp_server import SmtpServer
from tests.support.webhook_server import WebhookServer

pytestmark = pytest.mark.slow

USER, PASSWORD = "reports@example.com", "s3cret-pass"


def _env(published: PublishedDemo, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "LEAD_SLA_PROJECT_ROOT": str(published.settings.project_root),
        "LEAD_SLA_WAREHOUSE_PATH": str(tmp_path / "wh" / "lead_sla.duckdb"),
        "LEAD_SLA_PUBLISHED_DIR": str(published.settings.published),
        **extra,
    }


def _smtp(port: int, to: str = "manager@example.com, sdr-lead@example.com", **extra: str) -> dict[str, str]:
    return {"LEAD_SLA_SMTP_HOST": "127.0.0.1", "LEAD_SLA_SMTP_PORT": str(port), "LEAD_SLA_SMTP_SECURITY": "none",
            "LEAD_SLA_SMTP_USERNAME": USER, "LEAD_SLA_SMTP_PASSWORD": PASSWORD,
            "LEAD_SLA_REPORT_MAIL_FROM": "lead-sla@example.com", "LEAD_SLA_REPORT_MAIL_TO": to, **extra}


def test_the_report_is_e_mailed_inline_and_its_summary_posted(published: PublishedDemo, tmp_path: Path) -> None:
    with SmtpServer(users={USER: PASSWORD}) as smtp, WebhookServer() as hook:
        env = _env(published, tmp_path, **_smtp(smtp.port),
                   LEAD_SLA_REPORT_WEBHOOK_URL=f"{hook.base_url}/services/T000/B000/secret-token")
        result = CliRunner().invoke(app, ["send"], env=env)
        messages, requests, logins = smtp.messages, hook.requests, smtp.logins
    assert result.exit_code == 0, result.output
    assert "e-mail: sent to manager@example.com, sdr-lead@example.com through 127.0.0.1" in result.stdout
    assert "webhook: posted to 127.0.0.1" in result.stdout
    assert "secret-token" not in result.output and PASSWORD not in result.output

    assert logins == [(USER, True)]
    (mail,) = messages
    assert mail.sender == "lead-sla@example.com" and mail.recipients == ["manager@example.com", "sdr-lead@example.com"]
    message = mail.message
    day = published.run_date
    assert message["Subject"] == f"Lead SLA report · {day:%A} {day.day} {day:%B %Y}"
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html = html_part.get_content()
    built = tmp_path / "wh" / "reports" / f"sla-report-{day.isoformat()}.html"
    # SMTP carries lines ending in CRLF
    assert html.replace("\r\n", "\n") == built.read_text(encoding="utf-8"), "the e-mail's HTML is the day's report, inline"
    assert not [p for p in message.walk() if p.get_content_disposition() == "attachment"]
    metrics = read_metrics(html)
    assert metrics["publication.run_date"] == day.isoformat()

    data = load_report_data(published.database, day, published.settings.reporting_timezone)
    lines = summary_lines(data)
    for line in lines:
        assert line in text_part.get_content()
    (posted,) = requests
    assert posted["path"] == "/services/T000/B000/secret-token" and posted["content_type"] == "application/json"
    body = posted["json"]
    assert body["text"].splitlines()[1:] == [f"• {line}" for line in lines]
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "context"]
    # the summary's numbers are the page's
    assert f"{int(value(metrics, 'kpi.open_breaches')):,}" in lines[2]
    assert f"{int(value(metrics, 'kpi.handoffs_due')):,} first-touch deadlines" in lines[1]


@pytest.mark.parametrize(
    ("make_env", "message"),
    [
        pytest.param(lambda smtp, hook: _smtp(smtp.port, LEAD_SLA_SMTP_PASSWORD="wrong"),
                     f"not sent: e-mail: 127.0.0.1:{{port}} refused the login of {USER} (535)", id="login-refused"),
        pytest.param(lambda smtp, hook: _smtp(smtp.port, to="nobody@example.com"),
                     "not sent: e-mail: 127.0.0.1:{port} refused every recipient: nobody@example.com", id="recipient-refused"),
        pytest.param(lambda smtp, hook: {"LEAD_SLA_REPORT_WEBHOOK_URL": f"{hook.base_url}/hook/secret-token"},
                     "not sent: webhook: 127.0.0.1 answered HTTP 403: invalid_token", id="webhook-403"),
    ],
)
def test_a_channel_that_cannot_deliver_exits_1_naming_it(published: PublishedDemo, tmp_path: Path, make_env,
                                                        message: str) -> None:
    with SmtpServer(users={USER: PASSWORD}, refuse={"nobody@example.com"}) as smtp, WebhookServer(status=403) as hook:
        result = CliRunner().invoke(app, ["send"], env=_env(published, tmp_path, **make_env(smtp, hook)))
        delivered = smtp.messages
        port = smtp.port
    assert result.exit_code == 1, result.output
    assert message.replace("{port}", str(port)) in " ".join(result.stderr.split())
    assert not delivered
    assert "wrong" not in result.output and "secret-token" not in result.output and "Traceback" not in result.output


def test_the_other_channel_is_tried_when_one_fails(published: PublishedDemo, tmp_path: Path) -> None:
    with SmtpServer(users={USER: PASSWORD}) as smtp, WebhookServer() as hook:
        env = _env(published, tmp_path, **_smtp(smtp.port, LEAD_SLA_SMTP_PASSWORD="wrong"),
                   LEAD_SLA_REPORT_WEBHOOK_URL=f"{hook.base_url}/hook")
        result = CliRunner().invoke(app, ["send"], env=env)
        posted = hook.requests
    assert result.exit_code == 1, result.output
    assert "webhook: posted to 127.0.0.1" in result.stdout and "not sent: e-mail" in result.stderr
    assert len(posted) == 1


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        pytest.param({}, 2, "nothing to send to: set LEAD_SLA_SMTP_HOST", id="off-by-default"),
        pytest.param({"LEAD_SLA_SMTP_HOST": "127.0.0.1", "LEAD_SLA_REPORT_MAIL_FROM": "a@example.com"}, 2,
                     "LEAD_SLA_SMTP_HOST is set but LEAD_SLA_REPORT_MAIL_TO is not", id="no-recipient"),
        pytest.param({"LEAD_SLA_REPORT_WEBHOOK_URL": "hooks.example.com/T0/secret"}, 2,
                     "LEAD_SLA_REPORT_WEBHOOK_URL must be an http(s) URL", id="webhook-not-a-url"),
        pytest.param({"LEAD_SLA_SMTP_SECURITY": "tls"}, 2, "LEAD_SLA_SMTP_SECURITY: Input should be", id="bad-security"),
        pytest.param({"LEAD_SLA_REPORT_WEBHOOK_URL": "http://127.0.0.1:9/hook"}, 2, "--date 2026-10-30 is not published",
                     id="another-day"),
    ],
)
def test_send_refuses_wrong_input(published: PublishedDemo, tmp_path: Path, extra: dict[str, str], code: int,
                                  message: str) -> None:
    args = ["send", "--date", "2026-10-30"] if "another" in message or "--date" in message else ["send"]
    result = CliRunner().invoke(app, args, env=_env(published, tmp_path, **extra))
    assert result.exit_code == code, result.output
    assert message in " ".join(result.stderr.split())
    assert "secret" not in result.output
    assert not (tmp_path / "wh" / "reports").exists()
