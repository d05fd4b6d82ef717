//! How e-mail leaves (SMTP, SendGrid's API, files, the log), with the Django blog's names.

use super::vars::{parse_bool, parse_number};
use super::ConfigError;
use std::fmt;

/// How e-mail leaves: SMTP (SendGrid's relay, Gmail or any server), SendGrid's HTTP API, a
/// directory of `.eml` files, or the log.
#[derive(Clone)]
pub enum MailBackend {
    Console,
    File(std::path::PathBuf),
    Smtp {
        host: String,
        port: u16,
        username: Option<String>,
        password: Option<String>,
        /// `starttls` (587), `tls` (465) or `none` (local servers only).
        security: SmtpSecurity,
    },
    SendGrid {
        api_key: String,
        api_url: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    StartTls,
    Tls,
    None,
}

impl fmt::Debug for MailBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MailBackend::Console => f.write_str("Console"),
            MailBackend::File(dir) => write!(f, "File({})", dir.display()),
            MailBackend::Smtp {
                host,
                port,
                username,
                security,
                ..
            } => f
                .debug_struct("Smtp")
                .field("host", host)
                .field("port", port)
                .field("username", username)
                .field("password", &"[redacted]")
                .field("security", security)
                .finish(),
            MailBackend::SendGrid { api_url, .. } => f
                .debug_struct("SendGrid")
                .field("api_url", api_url)
                .field("api_key", &"[redacted]")
                .finish(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct MailConfig {
    pub backend: MailBackend,
    pub from: String,
    /// Worker tasks started by `waypost serve` (0: leave sending to `waypost worker`).
    pub workers: usize,
    pub max_attempts: u32,
    /// A job a silent worker held this long goes back to the queue.
    pub visibility_timeout_secs: u64,
    /// When the weekly digest goes out.
    pub digest: DigestSchedule,
    /// SendGrid's signed event webhook (bounces, spam reports): its verification key (the
    /// base64 public key from SendGrid's settings). Without it the webhook is off.
    pub sendgrid_webhook_key: Option<String>,
}

/// The weekly digest's moment: a weekday and an hour, UTC (`DIGEST_WEEKDAY`, `DIGEST_HOUR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DigestSchedule {
    pub weekday: time::Weekday,
    pub hour: u8,
}

impl DigestSchedule {
    /// The latest scheduled moment at or before `now`.
    pub fn latest(&self, now: time::OffsetDateTime) -> time::OffsetDateTime {
        let now = now.to_offset(time::UtcOffset::UTC);
        let days_back = (7 + now.weekday().number_days_from_monday()
            - self.weekday.number_days_from_monday())
            % 7;
        let mut moment = (now - time::Duration::days(i64::from(days_back)))
            .replace_time(time::Time::MIDNIGHT)
            + time::Duration::hours(i64::from(self.hour));
        if moment > now {
            moment -= time::Duration::days(7);
        }
        moment
    }
}

fn digest_schedule(get: &impl Fn(&str) -> Option<String>) -> Result<DigestSchedule, ConfigError> {
    use time::Weekday::*;
    let weekday = match get("DIGEST_WEEKDAY").map(|d| d.trim().to_ascii_lowercase()) {
        None => Monday,
        Some(day) => match day.get(..3).unwrap_or_default() {
            "mon" => Monday,
            "tue" => Tuesday,
            "wed" => Wednesday,
            "thu" => Thursday,
            "fri" => Friday,
            "sat" => Saturday,
            "sun" => Sunday,
            _ => {
                return Err(ConfigError::new(
                    "DIGEST_WEEKDAY",
                    "use a day of the week, like monday",
                ))
            }
        },
    };
    Ok(DigestSchedule {
        weekday,
        hour: parse_number(get, "DIGEST_HOUR", 8, 0, 23)? as u8,
    })
}

pub(super) fn mail_config(
    get: &impl Fn(&str) -> Option<String>,
    development: bool,
) -> Result<MailConfig, ConfigError> {
    let sendgrid_key = get("SENDGRID_API_KEY");
    let gmail_password = get("GMAIL_PASSWORD_SMTP");
    let from = get("DEFAULT_FROM_EMAIL")
        .or_else(|| get("SENDGRID_FROM_EMAIL"))
        .or_else(|| get("EMAIL_HOST_USER"))
        .unwrap_or_else(|| "Waypost <no-reply@waypost.localhost>".to_owned());
    let smtp = |default_host: Option<&str>,
                default_user: Option<String>,
                password: Option<String>| {
        let host = get("EMAIL_HOST")
            .or_else(|| default_host.map(str::to_owned))
            .ok_or_else(|| ConfigError::new("EMAIL_HOST", "is required for EMAIL_BACKEND=smtp"))?;
        let security = match get("EMAIL_SECURITY").as_deref() {
            Some("tls") => SmtpSecurity::Tls,
            Some("none") => SmtpSecurity::None,
            Some("starttls") | None => match get("EMAIL_USE_SSL").as_deref().and_then(parse_bool) {
                Some(true) => SmtpSecurity::Tls,
                _ => SmtpSecurity::StartTls,
            },
            Some(other) => {
                return Err(ConfigError::new(
                    "EMAIL_SECURITY",
                    format!("expected starttls, tls or none, got {other:?}"),
                ))
            }
        };
        let default_port = if security == SmtpSecurity::Tls {
            465
        } else {
            587
        };
        Ok(MailBackend::Smtp {
            host,
            port: parse_number(get, "EMAIL_PORT", default_port, 1, 65_535)? as u16,
            username: get("EMAIL_HOST_USER").or(default_user),
            password: get("EMAIL_HOST_PASSWORD").or(password),
            security,
        })
    };
    let backend =
        match get("EMAIL_BACKEND").as_deref() {
            Some("console") => MailBackend::Console,
            Some("file") => MailBackend::File(
                get("EMAIL_FILE_PATH")
                    .unwrap_or_else(|| "var/mail".to_owned())
                    .into(),
            ),
            Some("smtp") => smtp(None, None, None)?,
            Some("sendgrid") => MailBackend::SendGrid {
                api_key: sendgrid_key.clone().ok_or_else(|| {
                    ConfigError::new("SENDGRID_API_KEY", "is required for EMAIL_BACKEND=sendgrid")
                })?,
                api_url: get("SENDGRID_API_URL")
                    .unwrap_or_else(|| "https://api.sendgrid.com/v3/mail/send".to_owned()),
            },
            Some(other) => {
                return Err(ConfigError::new(
                    "EMAIL_BACKEND",
                    format!("expected smtp, sendgrid, file or console, got {other:?}"),
                ))
            }
            // The Django blog's settings: SendGrid's SMTP relay, or Gmail.
            None if sendgrid_key.is_some() => smtp(
                Some("smtp.sendgrid.net"),
                Some("apikey".to_owned()),
                sendgrid_key.clone(),
            )?,
            None if gmail_password.is_some() => smtp(Some("smtp.gmail.com"), None, gmail_password)?,
            None if development => MailBackend::File("var/mail".into()),
            // Logging e-mails in production would log password-reset links: it must be chosen.
            None => return Err(ConfigError::new(
                "EMAIL_BACKEND",
                "no mail settings in production: set SENDGRID_API_KEY (or EMAIL_BACKEND=smtp with \
                 EMAIL_HOST, or EMAIL_BACKEND=sendgrid), or EMAIL_BACKEND=console to only log \
                 e-mails (their links are redacted)",
            )),
        };
    Ok(MailConfig {
        backend,
        from,
        workers: parse_number(get, "MAIL_WORKERS", 2, 0, 64)? as usize,
        max_attempts: parse_number(get, "MAIL_MAX_ATTEMPTS", 5, 1, 50)? as u32,
        visibility_timeout_secs: parse_number(get, "MAIL_VISIBILITY_TIMEOUT_SECS", 60, 1, 86_400)?
            as u64,
        digest: digest_schedule(get)?,
        sendgrid_webhook_key: get("SENDGRID_WEBHOOK_VERIFICATION_KEY")
            .filter(|k| !k.trim().is_empty()),
    })
}

#[cfg(test)]
mod digest_tests {
    use super::DigestSchedule;
    use time::macros::datetime;

    #[test]
    fn the_latest_digest_moment() {
        let monday_8 = DigestSchedule {
            weekday: time::Weekday::Monday,
            hour: 8,
        };
        // Thursday 3 December 2026 → Monday 30 November, 08:00.
        assert_eq!(
            monday_8.latest(datetime!(2026-12-03 14:00 UTC)),
            datetime!(2026-11-30 08:00 UTC)
        );
        // Monday before eight → the Monday before.
        assert_eq!(
            monday_8.latest(datetime!(2026-12-07 07:59 UTC)),
            datetime!(2026-11-30 08:00 UTC)
        );
        assert_eq!(
            monday_8.latest(datetime!(2026-12-07 08:00 UTC)),
            datetime!(2026-12-07 08:00 UTC)
        );
    }
}
