//! Who is calling: `Authorization: Token <jwt>` (what login and registration hand out,
//! signed with a key derived from `SECRET_KEY`, expiring) or `Token wpt_…` (a long-lived
//! token made on the account page). `Bearer` is accepted as well. Cookies never count here:
//! the API cannot be driven by another site through a visitor's browser session.

use super::error::ApiError;
use crate::accounts::server::{repo, User};
use crate::articles::server::Actor;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

// The account page's tokens start with this (a JWT never does).
use crate::accounts::server::api_tokens::PREFIX as API_TOKEN_PREFIX;
const ISSUER: &str = "waypost";

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: u64,
    exp: u64,
    iss: String,
}

/// A key for this purpose only, so a JWT can't be confused with anything else signed with
/// `SECRET_KEY`.
fn signing_key(secret: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(b"waypost api jwt v1\0");
    hasher.update(secret.as_bytes());
    hasher.finalize().to_vec()
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub fn issue_jwt(state: &AppState, user_id: i64) -> Result<String, ApiError> {
    issue_jwt_at(state, user_id, now_secs())
}

/// A JWT as if issued at `iat` (seconds since the epoch); tests use it for expired tokens.
pub fn issue_jwt_at(state: &AppState, user_id: i64, iat: u64) -> Result<String, ApiError> {
    let claims = Claims {
        sub: user_id.to_string(),
        iat,
        exp: iat + state.config.api.jwt_ttl_secs,
        iss: ISSUER.to_owned(),
    };
    let key = EncodingKey::from_secret(&signing_key(&state.config.secret_key));
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).map_err(|error| {
        tracing::error!(%error, "could not sign a JWT");
        ApiError::from(crate::error::AppError::Internal)
    })
}

/// The user id in a valid, unexpired JWT.
fn verify_jwt(state: &AppState, token: &str) -> Option<i64> {
    let key = DecodingKey::from_secret(&signing_key(&state.config.secret_key));
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.leeway = 5;
    let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).ok()?;
    data.claims.sub.parse().ok()
}

/// The credential in the Authorization header, if any (`Token x` or `Bearer x`).
pub fn credential(parts: &Parts) -> Option<Result<&str, ApiError>> {
    let value = parts.headers.get(http::header::AUTHORIZATION)?;
    let parsed = value.to_str().ok().and_then(|v| {
        let (scheme, token) = v.trim().split_once(' ')?;
        let token = token.trim();
        (matches!(scheme, "Token" | "Bearer" | "token" | "bearer") && !token.is_empty())
            .then_some(token)
    });
    Some(parsed.ok_or_else(ApiError::token_invalid))
}

/// The active user a credential names; `token: is invalid` otherwise.
async fn authenticate(state: &AppState, token: &str) -> Result<User, ApiError> {
    let user_id = if token.starts_with(API_TOKEN_PREFIX) {
        crate::accounts::server::api_tokens::user_for(&state.pool, token).await?
    } else {
        verify_jwt(state, token)
    };
    let Some(user_id) = user_id else {
        return Err(ApiError::token_invalid());
    };
    repo::find_by_id(&state.pool, user_id)
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(ApiError::token_invalid)
}

/// The caller, signed in or not: endpoints that read (a bad token is still refused).
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = match credential(parts) {
            None => None,
            Some(token) => Some(authenticate(state, token?).await?),
        };
        Ok(Caller(Actor::for_user(state, user).await?))
    }
}

/// A signed-in caller: `token: is missing` (401) without a credential.
pub struct SignedIn {
    pub actor: Actor,
    pub user: User,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = credential(parts).ok_or_else(ApiError::token_missing)??;
        let user = authenticate(state, token).await?;
        let actor = Actor::for_user(state, Some(user.clone())).await?;
        Ok(SignedIn { actor, user })
    }
}
