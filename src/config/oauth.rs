//! Social sign-in providers (Google, X): client credentials and endpoints.

use super::ConfigError;
use std::fmt;

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
pub(super) fn oauth_provider(
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

#[cfg(test)]
mod tests {
    use crate::config::tests::vars;
    use crate::config::Config;

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
}
