//! The OAuth 2.0 client side of social sign-in (the `oauth2` crate): the authorization URL
//! with a random `state` and a PKCE S256 challenge, then the code exchange (with the PKCE
//! verifier) and the provider's account details — Google's OpenID Connect userinfo, X's
//! `/2/users/me`.

use crate::accounts::model::SocialProvider;
use crate::config::{Config, OAuthProvider};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("{0} sign-in is not configured")]
    NotConfigured(&'static str),
    #[error("bad provider endpoint: {0}")]
    Endpoint(String),
    #[error("the code exchange failed: {0}")]
    Exchange(String),
    #[error("the account details request failed: {0}")]
    Userinfo(String),
}

/// Who the provider says signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub provider: SocialProvider,
    /// The provider's stable id for the account (`sub`, X's `id`).
    pub subject: String,
    /// Only when the provider vouches for it (Google with `email_verified`); X gives none.
    pub verified_email: Option<String>,
    pub name: String,
    /// A username suggestion (X's handle, or Google's e-mail local part).
    pub username_hint: String,
}

/// Started flows are kept in the session until the callback: a callback without one, or
/// with another `state`, is refused.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingAuthorization {
    pub provider: SocialProvider,
    pub state: String,
    pub pkce_verifier: String,
    pub next: String,
    /// Set when a signed-in user links a provider from the account page.
    pub link_user_id: Option<i64>,
    pub started_at: i64,
}

pub fn provider_config(
    config: &Config,
    provider: SocialProvider,
) -> Result<&OAuthProvider, OAuthError> {
    match provider {
        SocialProvider::Google => config.google.as_ref(),
        SocialProvider::X => config.x.as_ref(),
    }
    .ok_or(OAuthError::NotConfigured(provider.label()))
}

pub fn redirect_url(config: &Config, provider: SocialProvider) -> String {
    format!("{}/auth/{}/callback", config.site_url, provider.as_str())
}

fn scopes(provider: SocialProvider) -> &'static [&'static str] {
    match provider {
        SocialProvider::Google => &["openid", "email", "profile"],
        SocialProvider::X => &["users.read", "tweet.read"],
    }
}

/// The provider's authorization URL, and what the callback must find in the session.
pub fn authorize(
    config: &Config,
    provider: SocialProvider,
    next: String,
    link_user_id: Option<i64>,
) -> Result<(String, PendingAuthorization), OAuthError> {
    let settings = provider_config(config, provider)?;
    let client = BasicClient::new(ClientId::new(settings.client_id.clone()))
        .set_auth_uri(
            AuthUrl::new(settings.auth_url.clone())
                .map_err(|e| OAuthError::Endpoint(e.to_string()))?,
        )
        .set_redirect_uri(
            RedirectUrl::new(redirect_url(config, provider))
                .map_err(|e| OAuthError::Endpoint(e.to_string()))?,
        );
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge);
    for scope in scopes(provider) {
        request = request.add_scope(Scope::new((*scope).to_owned()));
    }
    let (url, state) = request.url();
    Ok((
        url.to_string(),
        PendingAuthorization {
            provider,
            state: state.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            next,
            link_user_id,
            started_at: time::OffsetDateTime::now_utc().unix_timestamp(),
        },
    ))
}

/// Exchanges the code (proving possession of the PKCE verifier) and reads the account.
pub async fn identify(
    config: &Config,
    pending: &PendingAuthorization,
    code: String,
) -> Result<Identity, OAuthError> {
    let provider = pending.provider;
    let settings = provider_config(config, provider)?;
    let client = BasicClient::new(ClientId::new(settings.client_id.clone()))
        .set_client_secret(ClientSecret::new(settings.client_secret.clone()))
        .set_token_uri(
            TokenUrl::new(settings.token_url.clone())
                .map_err(|e| OAuthError::Endpoint(e.to_string()))?,
        )
        .set_redirect_uri(
            RedirectUrl::new(redirect_url(config, provider))
                .map_err(|e| OAuthError::Endpoint(e.to_string()))?,
        );
    // No redirects: following them from a token endpoint opens the door to SSRF.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| OAuthError::Exchange(e.to_string()))?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
        .request_async(&http)
        .await
        .map_err(|e| OAuthError::Exchange(e.to_string()))?;
    let response = http
        .get(&settings.userinfo_url)
        .bearer_auth(token.access_token().secret())
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| OAuthError::Userinfo(e.to_string()))?;
    let body: serde_json::Value = response
        .json()
        .await
        .map_err(|e| OAuthError::Userinfo(e.to_string()))?;
    identity_from(provider, &body)
}

/// Google (OpenID Connect userinfo): `sub`, `email`, `email_verified`, `name`.
/// X (`/2/users/me`): `{"data": {"id", "name", "username"}}`.
pub fn identity_from(
    provider: SocialProvider,
    body: &serde_json::Value,
) -> Result<Identity, OAuthError> {
    let text = |value: &serde_json::Value, key: &str| {
        value
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    match provider {
        SocialProvider::Google => {
            let subject =
                text(body, "sub").ok_or_else(|| OAuthError::Userinfo("no `sub`".into()))?;
            let verified = body
                .get("email_verified")
                .is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"));
            let email = text(body, "email");
            let name = text(body, "name").unwrap_or_default();
            let username_hint = email
                .as_deref()
                .and_then(|e| e.split('@').next())
                .map(str::to_owned)
                .unwrap_or_else(|| name.clone());
            Ok(Identity {
                provider,
                subject,
                verified_email: email.filter(|_| verified),
                name,
                username_hint,
            })
        }
        SocialProvider::X => {
            let data = body
                .get("data")
                .ok_or_else(|| OAuthError::Userinfo("no `data`".into()))?;
            let subject =
                text(data, "id").ok_or_else(|| OAuthError::Userinfo("no `data.id`".into()))?;
            let username = text(data, "username").unwrap_or_default();
            Ok(Identity {
                provider,
                subject,
                verified_email: None,
                name: text(data, "name").unwrap_or_else(|| username.clone()),
                username_hint: username,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn google_email_counts_only_when_verified() {
        let verified = identity_from(
            SocialProvider::Google,
            &json!({"sub": "1", "email": "ana@example.com", "email_verified": true, "name": "Ana"}),
        )
        .unwrap();
        assert_eq!(verified.verified_email.as_deref(), Some("ana@example.com"));
        assert_eq!(verified.username_hint, "ana");
        let unverified = identity_from(
            SocialProvider::Google,
            &json!({"sub": "1", "email": "ana@example.com", "email_verified": false}),
        )
        .unwrap();
        assert_eq!(unverified.verified_email, None);
        assert!(identity_from(SocialProvider::Google, &json!({"email": "x@y.z"})).is_err());
    }

    #[test]
    fn x_gives_an_id_and_a_handle_but_no_email() {
        let me = identity_from(
            SocialProvider::X,
            &json!({"data": {"id": "2244994945", "name": "Ana R", "username": "ana_travels"}}),
        )
        .unwrap();
        assert_eq!(me.subject, "2244994945");
        assert_eq!(me.username_hint, "ana_travels");
        assert_eq!(me.verified_email, None);
    }
}
