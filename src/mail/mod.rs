//! E-mail: messages built from templates, sent by one of several backends, always through the
//! Redis job queue (never inside a request).

pub mod queue;
mod smtp;
pub mod templates;
pub mod worker;

use crate::config::{MailBackend, MailConfig};
use lettre::message::{header, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::Message;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// One e-mail, as queued. `key` is its idempotency key: a job delivered twice is sent once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub key: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Subscription e-mails: the one-click unsubscribe address (RFC 8058 headers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_unsubscribe: Option<String>,
    /// The mailing it belongs to (e.g. `story-42`), whose sent and failed e-mails are counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct MailError {
    pub message: String,
    /// Retrying won't help (a refused address, a malformed message).
    pub permanent: bool,
}

impl MailError {
    pub fn transient(message: impl Into<String>) -> Self {
        MailError {
            message: message.into(),
            permanent: false,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        MailError {
            message: message.into(),
            permanent: true,
        }
    }
}

pub enum Mailer {
    Console,
    File(PathBuf),
    Smtp(smtp::SmtpClient),
    SendGrid {
        client: reqwest::Client,
        api_key: String,
        api_url: String,
    },
}

const SEND_TIMEOUT: Duration = Duration::from_secs(30);

impl Mailer {
    /// `workers`: the tasks that will send through it (one open SMTP connection each).
    pub fn from_config(config: &MailConfig, workers: usize) -> Result<Self, MailError> {
        Ok(match &config.backend {
            MailBackend::Console => Mailer::Console,
            MailBackend::File(dir) => Mailer::File(dir.clone()),
            MailBackend::Smtp {
                host,
                port,
                username,
                password,
                security,
            } => {
                let credentials = match (username, password) {
                    (Some(user), Some(password)) => {
                        Some(Credentials::new(user.clone(), password.clone()))
                    }
                    _ => None,
                };
                // One open connection per worker task can wait for the next job.
                let idle = workers.max(1);
                Mailer::Smtp(smtp::SmtpClient::new(
                    host,
                    *port,
                    *security,
                    credentials,
                    SEND_TIMEOUT,
                    idle,
                )?)
            }
            MailBackend::SendGrid { api_key, api_url } => Mailer::SendGrid {
                client: reqwest::Client::builder()
                    .timeout(SEND_TIMEOUT)
                    .build()
                    .map_err(|e| MailError::permanent(format!("HTTP client: {e}")))?,
                api_key: api_key.clone(),
                api_url: api_url.clone(),
            },
        })
    }

    pub async fn send(&self, from: &str, email: &Email) -> Result<(), MailError> {
        match self {
            Mailer::Console => {
                // Links carry single-use secrets (resets, confirmations): never in a log.
                let text = redact_tokens(&email.text);
                tracing::info!(to = %email.to, subject = %email.subject, "e-mail (console backend):\n{text}");
                Ok(())
            }
            Mailer::File(dir) => {
                let message = build_message(from, email)?;
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| MailError::transient(format!("mail directory: {e}")))?;
                let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
                let path = dir.join(format!("{stamp}-{}.eml", sanitize_file_part(&email.key)));
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|e| MailError::transient(format!("writing {}: {e}", path.display())))
            }
            Mailer::Smtp(client) => {
                let message = build_message(from, email)?;
                client.send(message.envelope(), &message.formatted()).await
            }
            Mailer::SendGrid {
                client,
                api_key,
                api_url,
            } => {
                let from: Mailbox = from
                    .parse()
                    .map_err(|e| MailError::permanent(format!("sender address: {e}")))?;
                let body = serde_json::json!({
                    "personalizations": [{ "to": [{ "email": email.to }] }],
                    "from": { "email": from.email.to_string(), "name": from.name },
                    "subject": email.subject,
                    "content": [
                        { "type": "text/plain", "value": email.text },
                        { "type": "text/html", "value": email.html },
                    ],
                    "headers": sendgrid_headers(email),
                });
                let response = client
                    .post(api_url)
                    .bearer_auth(api_key)
                    .json(&body)
                    .send()
                    .await
                    .map_err(|e| MailError::transient(format!("SendGrid: {e}")))?;
                let status = response.status();
                if status.is_success() {
                    Ok(())
                } else if status.is_client_error() && status.as_u16() != 429 {
                    Err(MailError::permanent(format!(
                        "SendGrid refused it: {status}"
                    )))
                } else {
                    Err(MailError::transient(format!("SendGrid: {status}")))
                }
            }
        }
    }
}

fn sendgrid_headers(email: &Email) -> serde_json::Value {
    let mut headers = serde_json::json!({ "X-Waypost-Key": email.key });
    if let Some(url) = &email.list_unsubscribe {
        headers["List-Unsubscribe"] = format!("<{url}>").into();
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click".into();
    }
    headers
}

fn sanitize_file_part(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect()
}

/// A multipart (plain text + HTML) message; its Message-ID carries the idempotency key, so
/// duplicates are recognisable downstream too.
pub fn build_message(from: &str, email: &Email) -> Result<Message, MailError> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| MailError::permanent(format!("sender address {from:?}: {e}")))?;
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| MailError::permanent(format!("recipient address: {e}")))?;
    let domain = from.email.domain().to_owned();
    let mut builder = Message::builder();
    if let Some(url) = &email.list_unsubscribe {
        // RFC 2369 + RFC 8058: mail clients show an unsubscribe button that POSTs here.
        builder = builder
            .raw_header(header::HeaderValue::new(
                header::HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(header::HeaderValue::new(
                header::HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    builder
        .from(from)
        .to(to)
        .subject(email.subject.clone())
        .message_id(Some(format!(
            "<{}@{domain}>",
            sanitize_file_part(&email.key)
        )))
        .header(header::MIME_VERSION_1_0)
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| MailError::permanent(format!("building the message: {e}")))
}

/// `…?token=<secret>` → `…?token=[redacted]`, for text that goes to a log.
pub fn redact_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("token=") {
        out.push_str(&rest[..at + "token=".len()]);
        rest = &rest[at + "token=".len()..];
        let secret_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-')
            .unwrap_or(rest.len());
        if secret_len > 0 {
            out.push_str("[redacted]");
        }
        rest = &rest[secret_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod redaction_tests {
    #[test]
    fn links_lose_their_secrets() {
        assert_eq!(
            super::redact_tokens(
                "Open https://w.example/password-reset/confirm?token=ab12cd\nthanks"
            ),
            "Open https://w.example/password-reset/confirm?token=[redacted]\nthanks"
        );
        assert_eq!(super::redact_tokens("no links"), "no links");
    }
}
