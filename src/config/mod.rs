//! Typed configuration, read once from the environment (and an optional `.env`).
//!
//! Waypost's own names come first; the Django blog's names (`DB_*`, `DATABASE_RENDER_URL`,
//! `REDISS_URL`, `DJANGO_ALLOWED_HOSTS`, `DJANGO_LOGLEVEL`) are accepted as fallbacks so an
//! owner can move over with the same `.env`.

use std::collections::HashMap;
use std::fmt;

mod mail;
mod media;
mod network;
mod oauth;
mod services;
mod vars;

pub use mail::{DigestSchedule, MailBackend, MailConfig, SmtpSecurity};
pub use media::MediaConfig;
pub use network::{IpNetwork, ProxyTrust, TlsFiles};
pub use oauth::OAuthProvider;

use mail::mail_config;
use media::media_config;
use oauth::oauth_provider;
use services::{cache_redis_url, database_url, redis_url};
use vars::{flag, parse_bool, parse_number};

const MIN_SECRET_KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration error: {variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self {
            variable,
            problem: problem.into(),
        }
    }
}

#[derive(Clone)]
pub struct Config {
    /// Development mode: local defaults, no `Secure` cookies, no HSTS.
    pub development: bool,
    pub secret_key: String,
    pub database_url: String,
    pub redis_url: String,
    /// A separate Redis for the page cache (`CACHE_REDIS_URL`); `None`: `redis_url`.
    pub cache_redis_url: Option<String>,
    /// Hosts this site answers for; empty means any (development only).
    pub allowed_hosts: Vec<String>,
    /// Public base URL, e.g. `https://waypost.example`, used for absolute links.
    pub site_url: String,
    pub page_size: i64,
    pub log_level: String,
    /// Prefix for every Redis key Waypost writes, so tests and several sites can share a server.
    pub redis_prefix: String,
    pub login_attempts_per_account: u64,
    pub login_attempts_per_ip: u64,
    pub login_window_secs: u64,
    /// Accounts made per client address per hour (`SIGNUPS_PER_IP_PER_HOUR`, web and API).
    pub signups_per_ip_per_hour: u64,
    /// Subscribe-by-e-mail forms per client address per hour.
    pub subscribes_per_ip_per_hour: u64,
    /// Comments per account per minute (`COMMENTS_PER_USER_PER_MINUTE`).
    pub comments_per_user_per_minute: u64,
    /// Image uploads (editor and profile picture) per account per hour
    /// (`UPLOADS_PER_USER_PER_HOUR`).
    pub uploads_per_user_per_hour: u64,
    /// Largest accepted upload, in bytes (`MAX_UPLOAD_MB`, default 10).
    pub max_upload_bytes: usize,
    pub media: MediaConfig,
    /// Cache rendered public pages for anonymous readers in Redis (`PAGE_CACHE`, default on).
    pub page_cache: bool,
    pub page_cache_ttl_secs: u64,
    /// At most this many cached pages (`PAGE_CACHE_MAX_ENTRIES`).
    pub page_cache_max_entries: u64,
    /// Megabytes of pages each instance also keeps in memory (0: Redis only).
    pub page_cache_local_mb: usize,
    pub mail: MailConfig,
    /// Unverified accounts may read but not rate or comment.
    pub require_verified_email: bool,
    /// A new e-mail address takes effect only when the link sent to it is opened
    /// (`CONFIRM_EMAIL_CHANGE`, default true). `false` switches at once to the new, unconfirmed
    /// address (what RealWorld clients expect from `PUT /api/user`).
    pub confirm_email_change: bool,
    /// Serve HTTPS directly with these PEM files (`TLS_CERT_FILE`, `TLS_KEY_FILE`).
    pub tls: Option<TlsFiles>,
    /// With `tls`: the plain-HTTP port that redirects to HTTPS (`HTTP_REDIRECT_PORT`; `off`
    /// for none).
    pub http_redirect_port: Option<u16>,
    /// The port clients use for HTTPS, for redirects (`HTTPS_PORT`, default 443, or the
    /// listen port when serving TLS directly in development).
    pub https_port: u16,
    /// Whose `X-Forwarded-*` headers to believe (`BEHIND_PROXY`, `TRUSTED_PROXIES`).
    pub proxy: ProxyTrust,
    /// Redirect plain-HTTP requests to HTTPS (`SECURE_SSL_REDIRECT`, Django's name).
    pub secure_ssl_redirect: bool,
    /// Social sign-in providers with credentials; one without shows no button.
    pub google: Option<OAuthProvider>,
    pub x: Option<OAuthProvider>,
    /// The group every new account joins (`SIGNUP_GROUP`, default `traveller`).
    pub signup_group: String,
    /// `strict` (default: 10+ characters, no common or one-character passwords, none
    /// containing the username) or `basic` (NIST 800-63B's floor: 8 to 128 characters).
    pub password_policy: PasswordPolicy,
    pub api: ApiConfig,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordPolicy {
    Strict,
    Basic,
}

/// The JSON API under `/api`.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Lifetime of the JWTs that login and registration hand out (`API_JWT_TTL_HOURS`).
    pub jwt_ttl_secs: u64,
    /// Requests per minute per token, or per client address without one (`API_RATE_LIMIT`).
    pub requests_per_minute: u64,
    /// Origins whose browser pages may call the API (`CORS_ALLOWED_ORIGINS`, comma-separated,
    /// `*` for any; empty: same-origin only).
    pub cors_allowed_origins: Vec<String>,
}

/// Secrets and credentials never reach a log line.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("development", &self.development)
            .field("secret_key", &"[redacted]")
            .field("database_url", &redact_url(&self.database_url))
            .field("redis_url", &redact_url(&self.redis_url))
            .field(
                "cache_redis_url",
                &self.cache_redis_url.as_deref().map(redact_url),
            )
            .field("allowed_hosts", &self.allowed_hosts)
            .field("site_url", &self.site_url)
            .field("page_size", &self.page_size)
            .field("log_level", &self.log_level)
            .field("tls", &self.tls)
            .field("proxy", &self.proxy)
            .field("secure_ssl_redirect", &self.secure_ssl_redirect)
            .finish_non_exhaustive()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(url) => url.to_string(),
        Err(_) => "[unparseable url]".to_owned(),
    }
}

impl Config {
    /// Reads the process environment (after loading `.env` if present).
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_vars(std::env::vars().collect())
    }

    /// Builds the configuration from a map of variables: the testable core of `from_env`.
    pub fn from_vars(vars: HashMap<String, String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            vars.get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let development = development_mode(&get)?;
        let secret_key = secret_key(&get, development)?;
        let database_url = database_url(&get, development)?;
        let redis_url = redis_url(&get, development)?;
        let cache_redis_url = cache_redis_url(&get)?;

        let allowed_hosts: Vec<String> = get("ALLOWED_HOSTS")
            .or_else(|| get("DJANGO_ALLOWED_HOSTS"))
            .map(|v| {
                v.split([',', ' '])
                    .map(|h| h.trim().to_ascii_lowercase())
                    .filter(|h| !h.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if !development && allowed_hosts.is_empty() {
            return Err(ConfigError::new(
                "ALLOWED_HOSTS",
                "is required in production (comma-separated host names)",
            ));
        }

        let network::Network {
            tls,
            proxy,
            http_redirect_port,
            https_port,
            secure_ssl_redirect,
        } = network::network(&get, development)?;
        let site_url = match get("SITE_URL") {
            Some(v) => {
                let url = url::Url::parse(&v)
                    .map_err(|e| ConfigError::new("SITE_URL", format!("not a valid URL ({e})")))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(ConfigError::new(
                        "SITE_URL",
                        "must start with http:// or https://",
                    ));
                }
                v.trim_end_matches('/').to_owned()
            }
            None if development && tls.is_some() => "https://localhost:3000".to_owned(),
            None if development => "http://127.0.0.1:3000".to_owned(),
            None => return Err(ConfigError::new("SITE_URL", "is required in production")),
        };

        let page_size = parse_number(&get, "PAGE_SIZE", 5, 1, 100)?;
        let log_level = get("LOG_LEVEL")
            .or_else(|| get("RUST_LOG"))
            .or_else(|| get("DJANGO_LOGLEVEL"))
            .unwrap_or_else(|| "info".to_owned());

        Ok(Config {
            development,
            secret_key,
            database_url,
            redis_url,
            cache_redis_url,
            allowed_hosts,
            site_url,
            page_size,
            log_level,
            redis_prefix: get("REDIS_PREFIX").unwrap_or_else(|| "waypost".to_owned()),
            login_attempts_per_account: parse_number(
                &get,
                "LOGIN_ATTEMPTS_PER_ACCOUNT",
                5,
                1,
                10_000,
            )? as u64,
            login_attempts_per_ip: parse_number(&get, "LOGIN_ATTEMPTS_PER_IP", 30, 1, 100_000)?
                as u64,
            login_window_secs: parse_number(&get, "LOGIN_WINDOW_SECS", 900, 1, 86_400)? as u64,
            signups_per_ip_per_hour: parse_number(
                &get,
                "SIGNUPS_PER_IP_PER_HOUR",
                10,
                1,
                1_000_000,
            )? as u64,
            subscribes_per_ip_per_hour: parse_number(
                &get,
                "SUBSCRIBES_PER_IP_PER_HOUR",
                20,
                1,
                1_000_000,
            )? as u64,
            comments_per_user_per_minute: parse_number(
                &get,
                "COMMENTS_PER_USER_PER_MINUTE",
                10,
                1,
                1_000_000,
            )? as u64,
            uploads_per_user_per_hour: parse_number(
                &get,
                "UPLOADS_PER_USER_PER_HOUR",
                60,
                1,
                1_000_000,
            )? as u64,
            max_upload_bytes: parse_number(&get, "MAX_UPLOAD_MB", 10, 1, 100)? as usize
                * 1024
                * 1024,
            media: media_config(&get)?,
            page_cache: match get("PAGE_CACHE") {
                None => true,
                Some(v) => parse_bool(&v).ok_or_else(|| {
                    ConfigError::new("PAGE_CACHE", format!("expected true or false, got {v:?}"))
                })?,
            },
            page_cache_ttl_secs: parse_number(&get, "PAGE_CACHE_TTL", 300, 1, 86_400)? as u64,
            page_cache_max_entries: parse_number(
                &get,
                "PAGE_CACHE_MAX_ENTRIES",
                20_000,
                1,
                10_000_000,
            )? as u64,
            page_cache_local_mb: parse_number(&get, "PAGE_CACHE_LOCAL_MB", 64, 0, 16_384)? as usize,
            mail: mail_config(&get, development)?,
            require_verified_email: flag(&get, "REQUIRE_VERIFIED_EMAIL", true)?,
            confirm_email_change: flag(&get, "CONFIRM_EMAIL_CHANGE", true)?,
            http_redirect_port,
            https_port,
            secure_ssl_redirect,
            google: oauth_provider(
                &get,
                &["GOOGLE_CLIENT_ID"],
                "GOOGLE_CLIENT_SECRET",
                "GOOGLE",
                [
                    "https://accounts.google.com/o/oauth2/v2/auth",
                    "https://oauth2.googleapis.com/token",
                    "https://openidconnect.googleapis.com/v1/userinfo",
                ],
            )?,
            x: oauth_provider(
                &get,
                &["TWITTER_OAUTH2_CLIENT_ID", "TWITTER_0AUTH2_CLIENT_ID"],
                "TWITTER_OAUTH2_CLIENT_SECRET",
                "TWITTER",
                [
                    "https://x.com/i/oauth2/authorize",
                    "https://api.x.com/2/oauth2/token",
                    "https://api.x.com/2/users/me",
                ],
            )?,
            tls,
            proxy,
            signup_group: get("SIGNUP_GROUP").unwrap_or_else(|| "traveller".to_owned()),
            password_policy: match get("PASSWORD_POLICY").as_deref() {
                None | Some("strict") => PasswordPolicy::Strict,
                Some("basic") => PasswordPolicy::Basic,
                Some(other) => {
                    return Err(ConfigError::new(
                        "PASSWORD_POLICY",
                        format!("expected strict or basic, got {other:?}"),
                    ))
                }
            },
            api: ApiConfig {
                jwt_ttl_secs: parse_number(&get, "API_JWT_TTL_HOURS", 24 * 7, 1, 24 * 365)? as u64
                    * 3600,
                requests_per_minute: parse_number(&get, "API_RATE_LIMIT", 300, 1, 1_000_000)?
                    as u64,
                cors_allowed_origins: cors_origins(get("CORS_ALLOWED_ORIGINS").as_deref())?,
            },
        })
    }

    /// Cookies get `Secure` and responses HSTS only in production (served over HTTPS).
    pub fn production(&self) -> bool {
        !self.development
    }
}

/// `ENVIRONMENT_DEVELOPMENT` (the Django blog's name): unset means production, like Django's
/// `DEBUG` defaulting to off — a forgotten setting must fail closed, never run a public site
/// with development defaults.
fn development_mode(get: &impl Fn(&str) -> Option<String>) -> Result<bool, ConfigError> {
    match get("ENVIRONMENT_DEVELOPMENT") {
        None => Ok(false),
        Some(v) => parse_bool(&v).ok_or_else(|| {
            ConfigError::new(
                "ENVIRONMENT_DEVELOPMENT",
                format!("expected true or false, got {v:?}"),
            )
        }),
    }
}

/// `SECRET_KEY`: at least 32 characters. Production refuses to start without one; development
/// without one uses a random key for this process only (sessions and API tokens then end at
/// each restart) — there is no built-in key anyone could know.
fn secret_key(
    get: &impl Fn(&str) -> Option<String>,
    development: bool,
) -> Result<String, ConfigError> {
    const WAYS_OUT: &str = "set SECRET_KEY to at least 32 random characters (e.g. `openssl rand \
                            -hex 32`), or set ENVIRONMENT_DEVELOPMENT=true for a local \
                            development server";
    match get("SECRET_KEY") {
        Some(key) if key.chars().count() >= MIN_SECRET_KEY_LEN => Ok(key),
        Some(_) => Err(ConfigError::new(
            "SECRET_KEY",
            format!("is shorter than {MIN_SECRET_KEY_LEN} characters: {WAYS_OUT}"),
        )),
        None if development => {
            let mut bytes = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
            Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
        }
        None => Err(ConfigError::new(
            "SECRET_KEY",
            format!("is required in production: {WAYS_OUT}"),
        )),
    }
}

/// `https://app.example, http://localhost:5173` → exact origins (scheme://host[:port]).
fn cors_origins(raw: Option<&str>) -> Result<Vec<String>, ConfigError> {
    let mut origins = Vec::new();
    for origin in raw.unwrap_or_default().split([',', ' ']).map(str::trim) {
        if origin.is_empty() {
            continue;
        }
        if origin == "*" {
            origins.push(origin.to_owned());
            continue;
        }
        let parsed = url::Url::parse(origin).map_err(|e| {
            ConfigError::new(
                "CORS_ALLOWED_ORIGINS",
                format!("{origin:?} is not a URL ({e})"),
            )
        })?;
        let serialized = parsed.origin().ascii_serialization();
        if !matches!(parsed.scheme(), "http" | "https")
            || serialized != origin.trim_end_matches('/')
        {
            return Err(ConfigError::new(
                "CORS_ALLOWED_ORIGINS",
                format!("{origin:?} must be an origin like https://app.example (no path)"),
            ));
        }
        origins.push(serialized);
    }
    Ok(origins)
}

#[cfg(test)]
mod tests;
