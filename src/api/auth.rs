//! Who is calling: `Authorization: Token <jwt>` (what login and registration hand out,
//! signed with a key derived from `SECRET_KEY`, expiring) or `Token wpt_…` (a long-lived
//! token made on the account page). `Bearer` is accepted as well. Cookies never count here:
//! the API cannot be driven by another site through a visitor's browser session.

use super::error::ApiError;
pub use crate::accounts::server::credentials::now_secs;
use crate::accounts::server::{repo, User};
use crate::accounts::server::{Actor, Credential};
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
    /// This token's id (a password change made with it keeps it working).
    jti: String,
    /// The account's session generation when issued: a password change or reset bumps it.
    gen: i32,
    /// When the password behind this token was checked (kept when a token is refreshed).
    auth_time: u64,
}

/// What a valid JWT says.
pub struct JwtSession {
    pub user_id: i64,
    pub id: String,
    pub generation: i32,
    pub auth_time: u64,
}

/// A key for this purpose only, so a JWT can't be confused with anything else signed with
/// `SECRET_KEY`.
fn signing_key(secret: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(b"waypost api jwt v1\0");
    hasher.update(secret.as_bytes());
    hasher.finalize().to_vec()
}

/// A JWT for `user` after a password check that happened at `auth_time` (now, for login
/// and registration; the caller's original time, for a refreshed token).
pub fn issue_jwt(state: &AppState, user: &User, auth_time: u64) -> Result<String, ApiError> {
    issue_jwt_at(state, user, auth_time, now_secs())
}

/// A JWT as if issued at `iat` (seconds since the epoch); tests use it for expired tokens.
pub fn issue_jwt_at(
    state: &AppState,
    user: &User,
    auth_time: u64,
    iat: u64,
) -> Result<String, ApiError> {
    let mut id = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
    let claims = Claims {
        sub: user.id.to_string(),
        iat,
        exp: iat + state.config.api.jwt_ttl_secs,
        iss: ISSUER.to_owned(),
        jti: id.iter().map(|b| format!("{b:02x}")).collect(),
        gen: user.session_generation,
        auth_time,
    };
    let key = EncodingKey::from_secret(&signing_key(&state.config.secret_key));
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).map_err(|error| {
        tracing::error!(%error, "could not sign a JWT");
        ApiError::from(crate::error::AppError::Internal)
    })
}

/// The session in a validly signed, unexpired JWT (whether it still counts is up to the
/// account's session generation).
fn verify_jwt(state: &AppState, token: &str) -> Option<JwtSession> {
    let key = DecodingKey::from_secret(&signing_key(&state.config.secret_key));
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.leeway = 5;
    let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
        .ok()?
        .claims;
    Some(JwtSession {
        user_id: claims.sub.parse().ok()?,
        id: claims.jti,
        generation: claims.gen,
        auth_time: claims.auth_time,
    })
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

/// The active user a credential names and how they signed in; `token: is invalid` for an
/// unknown, revoked or expired credential, or a JWT from before a password change.
async fn authenticate(state: &AppState, token: &str) -> Result<(User, Credential), ApiError> {
    let (user_id, generation, credential) = if token.starts_with(API_TOKEN_PREFIX) {
        let owner = crate::accounts::server::api_tokens::owner(&state.pool, token)
            .await?
            .ok_or_else(ApiError::token_invalid)?;
        (
            owner.user_id,
            None,
            Credential::ApiToken { id: owner.token_id },
        )
    } else {
        let session = verify_jwt(state, token).ok_or_else(ApiError::token_invalid)?;
        (
            session.user_id,
            Some(session.generation),
            Credential::Jwt {
                id: session.id,
                auth_time: session.auth_time,
            },
        )
    };
    let user = repo::find_by_id(&state.pool, user_id)
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(ApiError::token_invalid)?;
    if let (Some(generation), Credential::Jwt { id, .. }) = (generation, &credential) {
        let current = generation == user.session_generation
            || user.kept_jwt_id.as_deref() == Some(id.as_str());
        if !current {
            return Err(ApiError::token_invalid());
        }
    }
    Ok((user, credential))
}

/// The caller, signed in or not: endpoints that read (a bad token is still refused).
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match credential(parts) {
            None => Ok(Caller(Actor::for_user(state, None).await?)),
            Some(token) => {
                let (user, credential) = authenticate(state, token?).await?;
                let actor = Actor::for_user(state, Some(user)).await?;
                Ok(Caller(actor.with_credential(credential)))
            }
        }
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
        let (user, credential) = authenticate(state, token).await?;
        let actor = Actor::for_user(state, Some(user.clone()))
            .await?
            .with_credential(credential);
        Ok(SignedIn { actor, user })
    }
}
