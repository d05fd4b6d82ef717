//! Typed configuration, read once from the environment (and an optional `.env`).
//!
//! Waypost's own names come first; the Django blog's names (`DB_*`, `DATABASE_RENDER_URL`,
//! `REDISS_URL`, `DJANGO_ALLOWED_HOSTS`, `DJANGO_LOGLEVEL`) are accepted as fallbacks so an
//! owner can move over with the same `.env`.

use std::collections::HashMap;
use std::fmt;

/// Development-only secret. Production refuses to start without a real `SECRET_KEY`.
const DEV_SECRET_KEY: &str = "waypost-development-secret-key-not-for-production-use";
const DEV_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/waypost";
const DEV_REDIS_URL: &str = "redis://127.0.0.1:6379";
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
    /// Largest accepted upload, in bytes (`MAX_UPLOAD_MB`, default 10).
    pub max_upload_bytes: usize,
    pub media: MediaConfig,
    /// Cache rendered public pages for anonymous readers in Redis (`PAGE_CACHE`, default on).
    pub page_cache: bool,
    pub page_cache_ttl_secs: u64,
    pub mail: MailConfig,
    /// Unverified accounts may read but not rate or comment.
    pub require_verified_email: bool,
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

/// An OAuth 2.0 provider's client credentials and endpoints. The endpoints default to the
/// real provider's and can be pointed elsewhere (tests run a local provider).
#[derive(Clone)]
pub struct OAuthProvider {
    pub client_id: String,
    pub client_secret: String,
    pub auth_url: String,
    /// `scheme://host[:port]` of `auth_url`, for the CSP (parsed once, not per response).
    pub auth_origin: String,
    pub token_url: String,
    /// Google: the OpenID Connect userinfo endpoint; X: `/2/users/me`.
    pub userinfo_url: String,
}

impl fmt::Debug for OAuthProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthProvider")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("auth_url", &self.auth_url)
            .finish_non_exhaustive()
    }
}

/// `GOOGLE_CLIENT_ID`/`_SECRET` (the Django names) and optional `GOOGLE_AUTH_URL`,
/// `GOOGLE_TOKEN_URL`, `GOOGLE_USERINFO_URL`; X likewise with `TWITTER_OAUTH2_CLIENT_ID`
/// (also the Django blog's misspelt `TWITTER_0AUTH2_CLIENT_ID`) and `TWITTER_*_URL`.
fn oauth_provider(
    get: &impl Fn(&str) -> Option<String>,
    id_names: &[&'static str],
    secret_name: &'static str,
    prefix: &str,
    defaults: [&str; 3],
) -> Result<Option<OAuthProvider>, ConfigError> {
    let Some(client_id) = id_names.iter().find_map(|name| get(name)) else {
        return Ok(None);
    };
    let client_secret = get(secret_name).ok_or_else(|| {
        ConfigError::new(secret_name, format!("is required with {}", id_names[0]))
    })?;
    let url = |suffix: &str, default: &str| -> Result<String, ConfigError> {
        let name = format!("{prefix}_{suffix}");
        let value = get(&name).unwrap_or_else(|| default.to_owned());
        match url::Url::parse(&value) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(value),
            _ => Err(ConfigError::new(
                match suffix {
                    "AUTH_URL" if prefix == "GOOGLE" => "GOOGLE_AUTH_URL",
                    "TOKEN_URL" if prefix == "GOOGLE" => "GOOGLE_TOKEN_URL",
                    "USERINFO_URL" if prefix == "GOOGLE" => "GOOGLE_USERINFO_URL",
                    "AUTH_URL" => "TWITTER_AUTH_URL",
                    "TOKEN_URL" => "TWITTER_TOKEN_URL",
                    _ => "TWITTER_USERINFO_URL",
                },
                "must be an http(s) URL",
            )),
        }
    };
    let auth_url = url("AUTH_URL", defaults[0])?;
    let auth_origin = url::Url::parse(&auth_url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    Ok(Some(OAuthProvider {
        client_id,
        client_secret,
        auth_url,
        auth_origin,
        token_url: url("TOKEN_URL", defaults[1])?,
        userinfo_url: url("USERINFO_URL", defaults[2])?,
    }))
}

#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
}

/// Which peers may tell us the client's address, scheme and host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxyTrust {
    /// Not behind a proxy: forwarded headers are ignored.
    None,
    /// `BEHIND_PROXY=true` without a list: the only way in is the proxy (a PaaS router).
    AnyPeer,
    /// `TRUSTED_PROXIES`: addresses or CIDR networks.
    Networks(Vec<IpNetwork>),
}

/// An address range such as `10.0.0.0/8` or `fd00::/8` (a bare address is a /32 or /128).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNetwork {
    base: std::net::IpAddr,
    prefix: u8,
}

impl IpNetwork {
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let base: std::net::IpAddr = addr.trim().parse().ok()?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { base, prefix })
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            // `::ffff:10.0.0.1` (a dual-stack socket) is the IPv4 address.
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(base) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(base) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl ProxyTrust {
    /// A comma- or space-separated list of addresses and networks.
    pub fn parse(list: &str) -> Result<Self, String> {
        let networks = list
            .split([',', ' '])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                IpNetwork::parse(item)
                    .ok_or_else(|| format!("{item:?} is not an address or network"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(if networks.is_empty() {
            ProxyTrust::None
        } else {
            ProxyTrust::Networks(networks)
        })
    }

    pub fn trusts(&self, ip: std::net::IpAddr) -> bool {
        match self {
            ProxyTrust::None => false,
            ProxyTrust::AnyPeer => true,
            ProxyTrust::Networks(networks) => networks.iter().any(|n| n.contains(ip)),
        }
    }
}

/// Where uploaded images go: the local disk (served at `/media/`) or S3-compatible storage
/// such as DigitalOcean Spaces (`USE_SPACES=true`).
#[derive(Clone)]
pub enum MediaConfig {
    Local {
        root: std::path::PathBuf,
    },
    S3 {
        bucket: String,
        endpoint: String,
        region: String,
        access_key_id: String,
        secret_access_key: String,
        /// Public base URL of stored objects (a CDN endpoint, or `<endpoint>/<bucket>`).
        public_base: String,
    },
}

/// Secrets and credentials never reach a log line.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("development", &self.development)
            .field("secret_key", &"[redacted]")
            .field("database_url", &redact_url(&self.database_url))
            .field("redis_url", &redact_url(&self.redis_url))
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

        let development = match get("ENVIRONMENT_DEVELOPMENT") {
            None => true,
            Some(v) => parse_bool(&v).ok_or_else(|| {
                ConfigError::new(
                    "ENVIRONMENT_DEVELOPMENT",
                    format!("expected true or false, got {v:?}"),
                )
            })?,
        };

        let secret_key = match get("SECRET_KEY") {
            Some(key) if key.len() >= MIN_SECRET_KEY_LEN => key,
            Some(_) if development => DEV_SECRET_KEY.to_owned(),
            Some(_) => {
                return Err(ConfigError::new(
                    "SECRET_KEY",
                    format!("must be at least {MIN_SECRET_KEY_LEN} characters in production"),
                ))
            }
            None if development => DEV_SECRET_KEY.to_owned(),
            None => return Err(ConfigError::new("SECRET_KEY", "is required in production")),
        };

        let database_url = database_url(&get, development)?;
        let redis_url = redis_url(&get, development)?;

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

        let tls = match (get("TLS_CERT_FILE"), get("TLS_KEY_FILE")) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.into(),
                key: key.into(),
            }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "TLS_KEY_FILE",
                    "is required with TLS_CERT_FILE (the certificate's private key, PEM)",
                ))
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "TLS_CERT_FILE",
                    "is required with TLS_KEY_FILE (the certificate chain, PEM)",
                ))
            }
        };
        let proxy = match get("TRUSTED_PROXIES") {
            Some(list) => {
                ProxyTrust::parse(&list).map_err(|e| ConfigError::new("TRUSTED_PROXIES", e))?
            }
            None if flag(&get, "BEHIND_PROXY", false)? => ProxyTrust::AnyPeer,
            None => ProxyTrust::None,
        };
        if tls.is_some() && proxy != ProxyTrust::None {
            // Two TLS terminations are how the Django setup got its redirect loops.
            return Err(ConfigError::new(
                "TLS_CERT_FILE",
                "cannot be combined with BEHIND_PROXY/TRUSTED_PROXIES: terminate TLS either in \
                 Waypost or at the proxy, not both",
            ));
        }

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
            mail: mail_config(&get, development)?,
            require_verified_email: flag(&get, "REQUIRE_VERIFIED_EMAIL", true)?,
            http_redirect_port: match get("HTTP_REDIRECT_PORT").as_deref() {
                _ if tls.is_none() => None,
                Some("off") | Some("0") => None,
                Some(_) => Some(parse_number(&get, "HTTP_REDIRECT_PORT", 80, 1, 65_535)? as u16),
                None if development => Some(3080),
                None => Some(80),
            },
            https_port: match get("HTTPS_PORT") {
                Some(_) => parse_number(&get, "HTTPS_PORT", 443, 1, 65_535)? as u16,
                // Serving TLS directly: the listen port (LEPTOS_SITE_ADDR).
                None if tls.is_some() => get("LEPTOS_SITE_ADDR")
                    .and_then(|addr| addr.parse::<std::net::SocketAddr>().ok())
                    .map_or(3000, |addr| addr.port()),
                None => 443,
            },
            secure_ssl_redirect: match flag(&get, "SECURE_SSL_REDIRECT", false)? {
                // Nothing here would ever see HTTPS: every request would be redirected, forever.
                true if tls.is_none() && proxy == ProxyTrust::None => {
                    return Err(ConfigError::new(
                        "SECURE_SSL_REDIRECT",
                        "needs TLS_CERT_FILE, or BEHIND_PROXY/TRUSTED_PROXIES naming the proxy that \
                         terminates TLS (otherwise every request would be redirected, forever)",
                    ))
                }
                on => on,
            },
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

fn flag(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(v) => parse_bool(&v)
            .ok_or_else(|| ConfigError::new(name, format!("expected true or false, got {v:?}"))),
    }
}

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
}

fn mail_config(
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
    let backend = match get("EMAIL_BACKEND").as_deref() {
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
        None => MailBackend::Console,
    };
    Ok(MailConfig {
        backend,
        from,
        workers: parse_number(get, "MAIL_WORKERS", 2, 0, 64)? as usize,
        max_attempts: parse_number(get, "MAIL_MAX_ATTEMPTS", 5, 1, 50)? as u32,
        visibility_timeout_secs: parse_number(get, "MAIL_VISIBILITY_TIMEOUT_SECS", 60, 1, 86_400)?
            as u64,
    })
}

fn media_config(get: &impl Fn(&str) -> Option<String>) -> Result<MediaConfig, ConfigError> {
    let use_spaces = match get("USE_SPACES") {
        None => false,
        Some(v) => parse_bool(&v).ok_or_else(|| {
            ConfigError::new("USE_SPACES", format!("expected true or false, got {v:?}"))
        })?,
    };
    if !use_spaces {
        return Ok(MediaConfig::Local {
            root: get("MEDIA_ROOT")
                .unwrap_or_else(|| "media".to_owned())
                .into(),
        });
    }
    let required = |name: &'static str| {
        get(name).ok_or_else(|| ConfigError::new(name, "is required when USE_SPACES=true"))
    };
    let bucket = required("AWS_STORAGE_BUCKET_NAME")?;
    let endpoint = required("AWS_S3_ENDPOINT_URL")?
        .trim_end_matches('/')
        .to_owned();
    url::Url::parse(&endpoint)
        .map_err(|e| ConfigError::new("AWS_S3_ENDPOINT_URL", format!("not a valid URL ({e})")))?;
    let public_base = get("DO_SPACES_CDN_END_POINT")
        .map(|v| v.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| format!("{endpoint}/{bucket}"));
    Ok(MediaConfig::S3 {
        access_key_id: required("AWS_ACCESS_KEY_ID")?,
        secret_access_key: required("AWS_SECRET_ACCESS_KEY")?,
        region: get("AWS_S3_REGION_NAME").unwrap_or_else(|| "us-east-1".to_owned()),
        bucket,
        endpoint,
        public_base,
    })
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn parse_number(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ConfigError::new(
                name,
                format!("expected a whole number from {min} to {max}, got {v:?}"),
            )),
        },
    }
}

/// `DATABASE_URL`, else the Django names: in development the local `DB_*` first, in
/// production the hosted `DATABASE_RENDER_URL` first.
fn database_url(
    get: &impl Fn(&str) -> Option<String>,
    development: bool,
) -> Result<String, ConfigError> {
    let from_parts = || -> Option<String> {
        let name = get("DB_NAME")?;
        let user = get("DB_USER").unwrap_or_else(|| "postgres".to_owned());
        let host = get("DB_HOST").unwrap_or_else(|| "127.0.0.1".to_owned());
        let port = get("DB_PORT").unwrap_or_else(|| "5432".to_owned());
        let mut url = url::Url::parse(&format!("postgres://{host}:{port}/")).ok()?;
        url.set_username(&user).ok()?;
        if let Some(password) = get("DB_PASSWORD") {
            url.set_password(Some(&password)).ok()?;
        }
        url.set_path(&name);
        Some(url.to_string())
    };
    let chosen = get("DATABASE_URL").or_else(|| {
        if development {
            from_parts().or_else(|| get("DATABASE_RENDER_URL"))
        } else {
            get("DATABASE_RENDER_URL").or_else(from_parts)
        }
    });
    match chosen {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Ok(url),
        Some(_) => Err(ConfigError::new(
            "DATABASE_URL",
            "must be a postgres:// or postgresql:// URL",
        )),
        None if development => Ok(DEV_DATABASE_URL.to_owned()),
        None => Err(ConfigError::new(
            "DATABASE_URL",
            "is required in production",
        )),
    }
}

/// `REDIS_URL`, else the Django blog's `REDISS_URL` (TLS, as on Render).
fn redis_url(
    get: &impl Fn(&str) -> Option<String>,
    development: bool,
) -> Result<String, ConfigError> {
    match get("REDIS_URL").or_else(|| get("REDISS_URL")) {
        Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => Ok(url),
        Some(_) => Err(ConfigError::new(
            "REDIS_URL",
            "must be a redis:// or rediss:// URL",
        )),
        None if development => Ok(DEV_REDIS_URL.to_owned()),
        None => Err(ConfigError::new("REDIS_URL", "is required in production")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn tls_needs_both_files_and_excludes_a_proxy() {
        let err = Config::from_vars(vars(&[("TLS_CERT_FILE", "cert.pem")])).unwrap_err();
        assert_eq!(err.variable, "TLS_KEY_FILE");
        let err = Config::from_vars(vars(&[
            ("TLS_CERT_FILE", "cert.pem"),
            ("TLS_KEY_FILE", "key.pem"),
            ("BEHIND_PROXY", "true"),
        ]))
        .unwrap_err();
        assert_eq!(err.variable, "TLS_CERT_FILE");
        let config = Config::from_vars(vars(&[
            ("TLS_CERT_FILE", "cert.pem"),
            ("TLS_KEY_FILE", "key.pem"),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:8443"),
        ]))
        .expect("tls config");
        assert_eq!(config.site_url, "https://localhost:3000");
        assert_eq!(config.http_redirect_port, Some(3080));
        assert_eq!(config.https_port, 8443);
        let plain = Config::from_vars(vars(&[("HTTP_REDIRECT_PORT", "8080")])).expect("plain");
        assert_eq!(
            plain.http_redirect_port, None,
            "no redirect listener without TLS"
        );
    }

    #[test]
    fn api_settings() {
        let defaults = Config::from_vars(vars(&[])).expect("defaults");
        assert_eq!(defaults.signup_group, "traveller");
        assert_eq!(defaults.password_policy, PasswordPolicy::Strict);
        assert!(defaults.api.cors_allowed_origins.is_empty());
        assert_eq!(defaults.api.jwt_ttl_secs, 7 * 24 * 3600);
        let set = Config::from_vars(vars(&[
            ("SIGNUP_GROUP", "writer"),
            ("PASSWORD_POLICY", "basic"),
            (
                "CORS_ALLOWED_ORIGINS",
                "https://app.example, http://localhost:5173",
            ),
        ]))
        .expect("set");
        assert_eq!(set.signup_group, "writer");
        assert_eq!(set.password_policy, PasswordPolicy::Basic);
        assert_eq!(
            set.api.cors_allowed_origins,
            ["https://app.example", "http://localhost:5173"]
        );
        let err = Config::from_vars(vars(&[(
            "CORS_ALLOWED_ORIGINS",
            "https://app.example/path",
        )]))
        .unwrap_err();
        assert_eq!(err.variable, "CORS_ALLOWED_ORIGINS");
        let err = Config::from_vars(vars(&[("PASSWORD_POLICY", "none")])).unwrap_err();
        assert_eq!(err.variable, "PASSWORD_POLICY");
    }

    #[test]
    fn social_providers_need_both_credentials() {
        let none = Config::from_vars(vars(&[])).expect("none");
        assert!(none.google.is_none() && none.x.is_none());
        let err = Config::from_vars(vars(&[("GOOGLE_CLIENT_ID", "id")])).unwrap_err();
        assert_eq!(err.variable, "GOOGLE_CLIENT_SECRET");
        let config = Config::from_vars(vars(&[
            ("GOOGLE_CLIENT_ID", "gid"),
            ("GOOGLE_CLIENT_SECRET", "gsecret"),
            ("GOOGLE_TOKEN_URL", "http://127.0.0.1:9000/token"),
            // The Django blog's .env spells it with a zero.
            ("TWITTER_0AUTH2_CLIENT_ID", "xid"),
            ("TWITTER_OAUTH2_CLIENT_SECRET", "xsecret"),
        ]))
        .expect("both");
        let google = config.google.expect("google");
        assert_eq!(google.token_url, "http://127.0.0.1:9000/token");
        assert_eq!(
            google.auth_url,
            "https://accounts.google.com/o/oauth2/v2/auth"
        );
        assert!(!format!("{google:?}").contains("gsecret"));
        assert_eq!(config.x.expect("x").client_id, "xid");
        let err = Config::from_vars(vars(&[
            ("GOOGLE_CLIENT_ID", "gid"),
            ("GOOGLE_CLIENT_SECRET", "s"),
            ("GOOGLE_AUTH_URL", "javascript:alert(1)"),
        ]))
        .unwrap_err();
        assert_eq!(err.variable, "GOOGLE_AUTH_URL");
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let config = Config::from_vars(vars(&[(
            "TRUSTED_PROXIES",
            "10.0.0.0/8, 127.0.0.1 fd00::/8",
        )]))
        .expect("list");
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        assert!(config.proxy.trusts(ip("10.20.30.40")));
        assert!(config.proxy.trusts(ip("127.0.0.1")));
        assert!(config.proxy.trusts(ip("::ffff:10.1.1.1")));
        assert!(config.proxy.trusts(ip("fd12::1")));
        assert!(!config.proxy.trusts(ip("127.0.0.2")));
        assert!(!config.proxy.trusts(ip("11.0.0.1")));
        let any = Config::from_vars(vars(&[("BEHIND_PROXY", "true")])).expect("any");
        assert_eq!(any.proxy, ProxyTrust::AnyPeer);
        let none = Config::from_vars(vars(&[])).expect("none");
        assert!(!none.proxy.trusts(ip("127.0.0.1")));
        let err = Config::from_vars(vars(&[("TRUSTED_PROXIES", "10.0.0.0/33")])).unwrap_err();
        assert_eq!(err.variable, "TRUSTED_PROXIES");
    }

    #[test]
    fn development_has_local_defaults() {
        let config = Config::from_vars(vars(&[])).expect("defaults");
        assert!(config.development);
        assert_eq!(config.database_url, DEV_DATABASE_URL);
        assert_eq!(config.redis_url, DEV_REDIS_URL);
        assert_eq!(config.page_size, 5);
    }

    #[test]
    fn production_names_the_missing_variable() {
        let err = Config::from_vars(vars(&[("ENVIRONMENT_DEVELOPMENT", "False")])).unwrap_err();
        assert_eq!(err.variable, "SECRET_KEY");
        assert_eq!(
            err.to_string(),
            "configuration error: SECRET_KEY: is required in production"
        );
    }

    #[test]
    fn production_rejects_a_short_secret() {
        let err = Config::from_vars(vars(&[
            ("ENVIRONMENT_DEVELOPMENT", "false"),
            ("SECRET_KEY", "short"),
        ]))
        .unwrap_err();
        assert_eq!(err.variable, "SECRET_KEY");
    }

    #[test]
    fn invalid_page_size_is_named() {
        let err = Config::from_vars(vars(&[("PAGE_SIZE", "lots")])).unwrap_err();
        assert_eq!(err.variable, "PAGE_SIZE");
    }

    #[test]
    fn django_names_are_understood() {
        let config = Config::from_vars(vars(&[
            ("ENVIRONMENT_DEVELOPMENT", "False"),
            ("SECRET_KEY", &"x".repeat(40)),
            ("DATABASE_RENDER_URL", "postgres://u:p@render.example/blog"),
            ("DB_NAME", "local"),
            ("REDISS_URL", "rediss://:pw@redis.example:6380"),
            ("DJANGO_ALLOWED_HOSTS", "blog.example, www.blog.example"),
            ("SITE_URL", "https://blog.example/"),
        ]))
        .expect("production config");
        assert_eq!(config.database_url, "postgres://u:p@render.example/blog");
        assert_eq!(config.redis_url, "rediss://:pw@redis.example:6380");
        assert_eq!(
            config.allowed_hosts,
            vec!["blog.example", "www.blog.example"]
        );
        assert_eq!(config.site_url, "https://blog.example");
    }

    #[test]
    fn development_prefers_local_db_parts() {
        let config = Config::from_vars(vars(&[
            ("DATABASE_RENDER_URL", "postgres://u:p@render.example/blog"),
            ("DB_NAME", "blog"),
            ("DB_USER", "me"),
            ("DB_PASSWORD", "p@ss word"),
            ("DB_HOST", "db"),
        ]))
        .expect("dev config");
        assert_eq!(
            config.database_url,
            "postgres://me:p%40ss%20word@db:5432/blog"
        );
    }

    #[test]
    fn spaces_need_their_credentials() {
        let err = Config::from_vars(vars(&[
            ("USE_SPACES", "True"),
            ("AWS_STORAGE_BUCKET_NAME", "b"),
        ]))
        .unwrap_err();
        assert_eq!(err.variable, "AWS_S3_ENDPOINT_URL");
        let config = Config::from_vars(vars(&[
            ("USE_SPACES", "true"),
            ("AWS_STORAGE_BUCKET_NAME", "blog"),
            ("AWS_S3_ENDPOINT_URL", "https://fra1.digitaloceanspaces.com"),
            ("AWS_ACCESS_KEY_ID", "key"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            (
                "DO_SPACES_CDN_END_POINT",
                "https://blog.fra1.cdn.digitaloceanspaces.com/",
            ),
        ]))
        .expect("spaces config");
        match config.media {
            MediaConfig::S3 { public_base, .. } => {
                assert_eq!(public_base, "https://blog.fra1.cdn.digitaloceanspaces.com")
            }
            MediaConfig::Local { .. } => panic!("expected S3"),
        }
    }

    #[test]
    fn debug_output_hides_secrets() {
        let config = Config::from_vars(vars(&[
            ("SECRET_KEY", &"s3cr3t".repeat(8)),
            ("DATABASE_URL", "postgres://u:hunter2@db/x"),
        ]))
        .expect("config");
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cr3t"));
        assert!(!shown.contains("hunter2"));
    }
}
