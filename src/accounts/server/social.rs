//! Social sign-in routes and the linking rules.
//!
//! - `GET /auth/{provider}/start?next=` — sign in (or sign up) with a provider.
//! - `POST /auth/{provider}/link` — a signed-in user links a provider (account page).
//! - `POST /auth/{provider}/unlink` — removes a link, unless it is the last way in.
//! - `GET /auth/{provider}/callback` — the provider's answer: `state` must match the one
//!   kept in the session (which is then removed: a replayed callback finds nothing).
//!
//! Rules: a known provider identity signs its user in. A new one creates a traveller —
//! unless an account already has the provider's verified e-mail: then it is linked only
//! after the person logs in to that account with its password (proof of ownership), never
//! silently. X gives no e-mail, so a new X user is asked for one, which is then verified.

use super::oauth::{self, Identity, PendingAuthorization};
use super::password::constant_time_eq;
use super::repo::{self, User};
use super::AuthSession;
use crate::accounts::login::safe_next;
use crate::accounts::model::{ProviderLink, SignInMethods, SocialProvider};
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgPool;

/// The started authorization (state, PKCE verifier), until the callback.
const FLOW_KEY: &str = "social.flow";
/// A provider identity waiting for its owner: to be linked after a password login, or to
/// become an account once the person gives an e-mail address (`/auth/complete`).
pub const PENDING_KEY: &str = "social.pending";
/// A started flow older than this is refused at the callback.
const FLOW_MAX_AGE_SECS: i64 = 15 * 60;
/// A waiting identity older than this is forgotten (a shared computer, a walked-away tab).
const PENDING_MAX_AGE_SECS: i64 = 10 * 60;

/// The identity waiting in the session, and since when.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Pending {
    identity: Identity,
    since: i64,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[derive(Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn to(path: &str, code: &str) -> Response {
    let separator = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{separator}social={code}")).into_response()
}

fn session_error(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "session store unavailable during social sign-in");
    AppError::Internal.into_response()
}

/// `GET /auth/{provider}/start`
pub async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    auth: AuthSession,
    Query(query): Query<StartQuery>,
) -> Response {
    let Some(provider) = SocialProvider::parse(&provider) else {
        return AppError::NotFound.into_response();
    };
    let next = safe_next(query.next.as_deref());
    begin(&state, provider, &auth, next, None).await
}

/// The account page's link/unlink forms: a known provider (404 otherwise) and a signed-in
/// user (else off to log in).
fn account_page_request(
    provider: &str,
    auth: &AuthSession,
) -> Result<(SocialProvider, User), Box<Response>> {
    let provider = SocialProvider::parse(provider)
        .ok_or_else(|| Box::new(AppError::NotFound.into_response()))?;
    let user = auth
        .user
        .clone()
        .ok_or_else(|| Box::new(Redirect::to("/login?next=/account").into_response()))?;
    Ok((provider, user))
}

/// `POST /auth/{provider}/link` (signed in).
pub async fn link(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    auth: AuthSession,
) -> Response {
    let (provider, user) = match account_page_request(&provider, &auth) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    begin(
        &state,
        provider,
        &auth,
        "/account".to_owned(),
        Some(user.id),
    )
    .await
}

async fn begin(
    state: &AppState,
    provider: SocialProvider,
    auth: &AuthSession,
    next: String,
    link_user_id: Option<i64>,
) -> Response {
    let (url, pending) = match oauth::authorize(&state.config, provider, next, link_user_id) {
        Ok(started) => started,
        Err(oauth::OAuthError::NotConfigured(_)) => return to("/login", "not_configured"),
        Err(error) => {
            tracing::error!(%error, provider = provider.as_str(), "cannot start social sign-in");
            return AppError::Internal.into_response();
        }
    };
    if let Err(error) = auth.session.insert(FLOW_KEY, pending).await {
        return session_error(error);
    }
    Redirect::to(&url).into_response()
}

/// `GET /auth/{provider}/callback`
pub async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    mut auth: AuthSession,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Some(provider) = SocialProvider::parse(&provider) else {
        return AppError::NotFound.into_response();
    };
    // Taken out of the session whatever happens next: each flow answers once.
    let pending: Option<PendingAuthorization> = match auth.session.remove(FLOW_KEY).await {
        Ok(pending) => pending,
        Err(error) => return session_error(error),
    };
    let now = now();
    let Some(pending) = pending.filter(|p| {
        p.provider == provider
            && now - p.started_at <= FLOW_MAX_AGE_SECS
            && query
                .state
                .as_deref()
                .is_some_and(|returned| constant_time_eq(returned.as_bytes(), p.state.as_bytes()))
    }) else {
        tracing::warn!(
            provider = provider.as_str(),
            "social callback without a matching state (forged, replayed or expired)"
        );
        return to("/login", "expired");
    };
    let back = if pending.link_user_id.is_some() {
        "/account"
    } else {
        "/login"
    };
    if query.error.is_some() {
        return to(back, "cancelled");
    }
    let Some(code) = query.code.filter(|c| !c.is_empty() && c.len() <= 2048) else {
        return to(back, "failed");
    };
    let identity = match oauth::identify(&state.config, &pending, code).await {
        Ok(identity) => identity,
        Err(error) => {
            tracing::warn!(%error, provider = provider.as_str(), "social sign-in failed");
            return to(back, "failed");
        }
    };
    match finish(&state, &mut auth, &pending, identity).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn finish(
    state: &AppState,
    auth: &mut AuthSession,
    pending: &PendingAuthorization,
    identity: Identity,
) -> Result<Response, AppError> {
    let pool = &state.pool;
    let signed_in = auth.user.as_ref().map(|u| u.id);
    if let Some(user_id) = pending.link_user_id {
        if signed_in != Some(user_id) {
            return Ok(to("/login", "expired"));
        }
        return Ok(match link_identity(pool, user_id, &identity).await? {
            LinkOutcome::Linked | LinkOutcome::AlreadyYours => to("/account", "linked"),
            LinkOutcome::Taken => to("/account", "taken"),
            LinkOutcome::ProviderAlreadyLinked => to("/account", "already"),
        });
    }
    if let Some(user_id) = linked_user(pool, identity.provider, &identity.subject).await? {
        let Some(user) = repo::find_by_id(pool, user_id).await? else {
            return Ok(to("/login", "failed"));
        };
        if !user.is_active {
            return Ok(to("/login", "inactive"));
        }
        log_in(state, auth, &user, identity.provider, &identity.subject).await?;
        return Ok(Redirect::to(&pending.next).into_response());
    }
    // A signed-in person who signs in with a new identity has proven both: link them.
    if let Some(user_id) = signed_in {
        return Ok(match link_identity(pool, user_id, &identity).await? {
            LinkOutcome::ProviderAlreadyLinked => to("/account", "already"),
            LinkOutcome::Taken => to("/account", "taken"),
            _ => to("/account", "linked"),
        });
    }
    if let Some(email) = identity.verified_email.clone() {
        if repo::find_by_email(pool, &email).await?.is_some() {
            keep_pending(auth, &identity).await?;
            let next = crate::articles::model::percent_encode(&pending.next);
            return Ok(to(&format!("/login?next={next}"), "link_required"));
        }
        let display_name = identity.name.chars().take(80).collect::<String>();
        match create_social_user(
            pool,
            &identity,
            &email,
            true,
            &display_name,
            None,
            &state.config.signup_group,
        )
        .await?
        {
            Created::User(user) => {
                log_in(state, auth, &user, identity.provider, &identity.subject).await?;
                return Ok(Redirect::to("/account?welcome=1").into_response());
            }
            // Taken between the check and the insert: the same rule as above.
            Created::EmailTaken => {
                keep_pending(auth, &identity).await?;
                return Ok(to("/login", "link_required"));
            }
        }
    }
    // No address we can trust (X never gives one): ask for it.
    keep_pending(auth, &identity).await?;
    Ok(Redirect::to("/auth/complete").into_response())
}

async fn keep_pending(auth: &AuthSession, identity: &Identity) -> Result<(), AppError> {
    let pending = Pending {
        identity: identity.clone(),
        since: now(),
    };
    auth.session
        .insert(PENDING_KEY, pending)
        .await
        .map_err(|error| {
            tracing::error!(%error, "cannot keep the pending social identity");
            AppError::Internal
        })
}

/// The identity waiting in this session, if any (and not too old).
pub async fn pending_identity(auth: &AuthSession) -> Option<Identity> {
    auth.session
        .get::<Pending>(PENDING_KEY)
        .await
        .ok()
        .flatten()
        .filter(|p| now() - p.since <= PENDING_MAX_AGE_SECS)
        .map(|p| p.identity)
}

pub async fn forget_pending(auth: &AuthSession) {
    let _ = auth.session.remove::<serde_json::Value>(PENDING_KEY).await;
}

/// After a password login: a waiting identity is linked only when the provider vouched for
/// exactly this account's address (the "log in once to link" case). Any other waiting
/// identity — an X account, another address, someone else's abandoned attempt on a shared
/// computer — is forgotten, never attached to whoever logs in next; X is linked explicitly
/// from the account page instead.
pub async fn link_pending_after_login(
    pool: &PgPool,
    auth: &AuthSession,
    user: &User,
) -> Option<SocialProvider> {
    let identity = pending_identity(auth).await;
    forget_pending(auth).await;
    let identity = identity?;
    let same_address = identity
        .verified_email
        .as_deref()
        .is_some_and(|email| email.eq_ignore_ascii_case(&user.email));
    if !same_address {
        return None;
    }
    match link_identity(pool, user.id, &identity).await {
        Ok(LinkOutcome::Linked | LinkOutcome::AlreadyYours) => Some(identity.provider),
        Ok(_) => None,
        Err(error) => {
            // The login itself succeeded; linking can be done from the account page.
            tracing::error!(%error, user_id = user.id, "could not link the waiting identity");
            None
        }
    }
}

pub async fn log_in(
    state: &AppState,
    auth: &mut AuthSession,
    user: &User,
    provider: SocialProvider,
    subject: &str,
) -> Result<(), AppError> {
    // A fresh session id even when someone else was signed in here (axum-login rotates it
    // only for anonymous sessions), and nothing left waiting from before.
    forget_pending(auth).await;
    auth.session.cycle_id().await.map_err(|error| {
        tracing::error!(%error, "could not rotate the session id");
        AppError::Internal
    })?;
    auth.login(user).await.map_err(|error| {
        tracing::error!(%error, "could not store the social login in the session");
        AppError::Internal
    })?;
    // Bookkeeping only: a failure here must not turn a done login into an error page.
    if let Err(error) = repo::record_login(&state.pool, user.id).await {
        tracing::warn!(%error, "could not record the login time");
    }
    if let Err(error) = sqlx::query!(
        "UPDATE social_accounts SET last_login_at = now() WHERE provider = $1 AND provider_user_id = $2",
        provider.as_str(),
        subject,
    )
    .execute(&state.pool)
    .await
    {
        tracing::warn!(%error, "could not record the social login time");
    }
    tracing::info!(
        user_id = user.id,
        provider = provider.as_str(),
        "social login"
    );
    Ok(())
}

/// `POST /auth/{provider}/unlink` (signed in).
pub async fn unlink(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    auth: AuthSession,
) -> Response {
    let (provider, user) = match account_page_request(&provider, &auth) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    match unlink_identity(&state.pool, user.id, provider).await {
        Ok(UnlinkOutcome::Unlinked) => to("/account", "unlinked"),
        Ok(UnlinkOutcome::LastMethod) => to("/account", "last_method"),
        Ok(UnlinkOutcome::NotLinked) => Redirect::to("/account").into_response(),
        Err(error) => error.into_response(),
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum LinkOutcome {
    Linked,
    AlreadyYours,
    /// The identity belongs to another Waypost account.
    Taken,
    /// This user already linked another account of the same provider.
    ProviderAlreadyLinked,
}

pub async fn linked_user(
    pool: &PgPool,
    provider: SocialProvider,
    subject: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT user_id FROM social_accounts WHERE provider = $1 AND provider_user_id = $2",
        provider.as_str(),
        subject,
    )
    .fetch_optional(pool)
    .await
}

pub async fn link_identity(
    pool: &PgPool,
    user_id: i64,
    identity: &Identity,
) -> Result<LinkOutcome, AppError> {
    let mut tx = pool.begin().await?;
    let outcome = link_identity_in(&mut tx, user_id, identity).await?;
    tx.commit().await?;
    Ok(outcome)
}

async fn link_identity_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user_id: i64,
    identity: &Identity,
) -> Result<LinkOutcome, AppError> {
    let inserted = sqlx::query!(
        r#"INSERT INTO social_accounts (provider, provider_user_id, user_id, email, display_name)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT DO NOTHING"#,
        identity.provider.as_str(),
        identity.subject,
        user_id,
        identity.verified_email,
        identity.name.chars().take(200).collect::<String>(),
    )
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(LinkOutcome::Linked);
    }
    let owner = sqlx::query_scalar!(
        "SELECT user_id FROM social_accounts WHERE provider = $1 AND provider_user_id = $2",
        identity.provider.as_str(),
        identity.subject,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match owner {
        Some(owner) if owner == user_id => LinkOutcome::AlreadyYours,
        Some(_) => LinkOutcome::Taken,
        None => LinkOutcome::ProviderAlreadyLinked,
    })
}

pub enum Created {
    User(User),
    EmailTaken,
}

/// A new traveller for a social identity: user, profile, membership and the link in one
/// transaction. The username comes from the provider's hint (or `chosen`), de-duplicated.
pub async fn create_social_user(
    pool: &PgPool,
    identity: &Identity,
    email: &str,
    email_verified: bool,
    display_name: &str,
    chosen: Option<&str>,
    group: &str,
) -> Result<Created, AppError> {
    let base = match chosen {
        Some(name) => name.to_owned(),
        None => username_base(&identity.username_hint, &identity.name),
    };
    for attempt in 0..20 {
        let username = match (chosen, attempt) {
            (_, 0) => base.clone(),
            // A chosen name that is taken is the person's to change, not ours.
            (Some(_), _) => break,
            (None, n) => with_suffix(&base, n),
        };
        let mut tx = pool.begin().await?;
        let created = repo::create_user_in(
            &mut tx,
            repo::NewUser {
                username,
                email: email.to_owned(),
                password_hash: None,
                display_name: display_name.to_owned(),
                email_verified,
                group: group.to_owned(),
            },
        )
        .await;
        match created {
            Ok(user) => {
                if link_identity_in(&mut tx, user.id, identity).await? != LinkOutcome::Linked {
                    // The identity got linked elsewhere meanwhile: leave nothing behind.
                    return Err(AppError::conflict(
                        "email",
                        "That account was just linked elsewhere. Start again.",
                    ));
                }
                tx.commit().await?;
                tracing::info!(
                    user_id = user.id,
                    provider = identity.provider.as_str(),
                    "new social account"
                );
                return Ok(Created::User(user));
            }
            Err(error) if error.field("email").is_some() => return Ok(Created::EmailTaken),
            Err(error) if error.field("username").is_some() => continue,
            Err(error) => return Err(error),
        }
    }
    Err(AppError::conflict(
        "username",
        "That username is taken. Please pick another.",
    ))
}

/// A valid username from the provider's hint: allowed characters only, 3–30 long, never a
/// reserved word.
pub fn username_base(hint: &str, name: &str) -> String {
    let clean = |raw: &str| -> String {
        raw.chars()
            .filter_map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                    Some(c)
                } else if c.is_whitespace() {
                    Some('_')
                } else {
                    None
                }
            })
            .take(30)
            .collect::<String>()
            .trim_matches(|c| matches!(c, '.' | '-' | '_'))
            .to_owned()
    };
    let mut base = clean(hint);
    if base.len() < 3 {
        base = clean(name);
    }
    if base.len() < 3 {
        base = "traveller".to_owned();
    }
    let mut errors = crate::error::FieldErrors::new();
    crate::accounts::signup::check_username(&base, &mut errors);
    if !errors.is_empty() {
        base = format!("{}_1", base.chars().take(27).collect::<String>());
    }
    base
}

fn with_suffix(base: &str, n: u32) -> String {
    let suffix = format!("{}", n + 1);
    let keep = 30 - suffix.len();
    format!("{}{suffix}", base.chars().take(keep).collect::<String>())
}

#[derive(Debug, PartialEq, Eq)]
pub enum UnlinkOutcome {
    Unlinked,
    NotLinked,
    /// Refused: without it the user could not sign in at all.
    LastMethod,
}

pub async fn unlink_identity(
    pool: &PgPool,
    user_id: i64,
    provider: SocialProvider,
) -> Result<UnlinkOutcome, AppError> {
    let mut tx = pool.begin().await?;
    // The user row lock serializes two concurrent unlinks of a user's last two methods.
    let has_password = sqlx::query_scalar!(
        "SELECT password_hash IS NOT NULL AS \"has!\" FROM users WHERE id = $1 FOR UPDATE",
        user_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let linked: Vec<String> = sqlx::query_scalar!(
        "SELECT provider FROM social_accounts WHERE user_id = $1",
        user_id
    )
    .fetch_all(&mut *tx)
    .await?;
    if !linked.iter().any(|p| p == provider.as_str()) {
        return Ok(UnlinkOutcome::NotLinked);
    }
    if !has_password && linked.len() == 1 {
        return Ok(UnlinkOutcome::LastMethod);
    }
    sqlx::query!(
        "DELETE FROM social_accounts WHERE user_id = $1 AND provider = $2",
        user_id,
        provider.as_str()
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(UnlinkOutcome::Unlinked)
}

/// The account page's list: password or not, and each configured provider.
pub async fn sign_in_methods(state: &AppState, user_id: i64) -> Result<SignInMethods, AppError> {
    let has_password = sqlx::query_scalar!(
        "SELECT password_hash IS NOT NULL AS \"has!\" FROM users WHERE id = $1",
        user_id
    )
    .fetch_one(&state.pool)
    .await?;
    let rows = sqlx::query!(
        r#"SELECT provider, display_name, email, to_char(linked_at, 'FMDD Mon YYYY') AS "linked_on!"
           FROM social_accounts WHERE user_id = $1"#,
        user_id
    )
    .fetch_all(&state.pool)
    .await?;
    let providers = SocialProvider::ALL
        .into_iter()
        .filter(|p| {
            oauth::provider_config(&state.config, *p).is_ok()
                || rows.iter().any(|r| r.provider == p.as_str())
        })
        .map(|provider| {
            let row = rows.iter().find(|r| r.provider == provider.as_str());
            ProviderLink {
                provider,
                linked_as: row.map(|r| {
                    if r.display_name.is_empty() {
                        r.email.clone().unwrap_or_else(|| "linked".to_owned())
                    } else {
                        r.display_name.clone()
                    }
                }),
                linked_on: row.map(|r| r.linked_on.clone()),
            }
        })
        .collect();
    Ok(SignInMethods {
        has_password,
        providers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_from_provider_hints() {
        assert_eq!(username_base("ana_travels", "Ana"), "ana_travels");
        assert_eq!(username_base("a", "Ana María Ruiz"), "Ana_Mara_Ruiz");
        assert_eq!(username_base("", "李"), "traveller");
        assert_eq!(
            username_base("admin", ""),
            "admin_1",
            "reserved words are avoided"
        );
        assert_eq!(with_suffix("ana", 1), "ana2");
        assert_eq!(with_suffix(&"a".repeat(30), 9).len(), 30);
    }

    #[test]
    fn state_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
