//! The subscription commands, shared by the forms, the account page and the articles'
//! publish command: subscribe (double opt-in, or one click for a verified signed-in reader),
//! confirm, unsubscribe and undo (by the e-mail's token, no session), manage, bounces.

pub mod delivery;
pub mod emails;
pub mod repo;
pub mod webhook;

use crate::accounts::server::rate_limit::{self, Limit};
use crate::accounts::server::Actor;
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

pub use delivery::{start_newsletter, Deliveries};
pub use repo::record_first_publication;

/// What a subscribe form asks for: a writer's stories, or every story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Blog,
    Author(String),
}

/// What the form may say. For an address typed in, always [`Subscribed::CheckInbox`]: the
/// answer never tells whether it was subscribed already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscribed {
    CheckInbox,
    /// A signed-in reader's verified address: active at once.
    Active,
}

/// The address as stored: trimmed, lower-case (one subscriber per mailbox, whatever the case
/// typed).
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

async fn author_of_scope(
    state: &AppState,
    scope: &Scope,
) -> Result<Option<(i64, String)>, AppError> {
    match scope {
        Scope::Blog => Ok(None),
        Scope::Author(username) => {
            let user = crate::accounts::server::repo::find_by_login(&state.pool, username)
                .await?
                .filter(|u| u.is_active && u.username.eq_ignore_ascii_case(username))
                .ok_or(AppError::NotFound)?;
            Ok(Some((user.id, user.username)))
        }
    }
}

/// Subscribes `email` (or, when it is empty or the reader's own verified address, the
/// signed-in reader) to `scope`. Rate-limited per client address; a confirmation e-mail at
/// most once an hour per address.
pub async fn subscribe(
    state: &AppState,
    actor: &Actor,
    client_ip: &str,
    email: &str,
    scope: &Scope,
) -> Result<Subscribed, AppError> {
    let author = author_of_scope(state, scope).await?;
    let author_id = author.as_ref().map(|(id, _)| *id);
    let mut typed = normalize_email(email);
    if let (true, Some(user)) = (typed.is_empty(), &actor.user) {
        typed = normalize_email(&user.email);
    }
    // The reader's own confirmed address needs no confirmation link.
    let own_verified = actor
        .user
        .as_ref()
        .filter(|u| u.email_verified && typed == normalize_email(&u.email));
    if own_verified.is_none() {
        let mut errors = FieldErrors::new();
        crate::accounts::rules::check_email(&typed, &mut errors);
        errors.into_result()?;
    }
    rate_limit::take(
        &state.redis,
        &state.redis_key(&["rl", "subscribe", client_ip]),
        &Limit::per_hour(state.config.subscribes_per_ip_per_hour),
    )
    .await?;
    if let Some(user) = own_verified {
        let subscriber =
            repo::subscriber_for_user(&state.pool, user.id, &normalize_email(&user.email)).await?;
        repo::add_subscription(&state.pool, subscriber.id, author_id, true).await?;
        tracing::info!(user_id = user.id, ?author_id, "subscribed by e-mail");
        return Ok(Subscribed::Active);
    }
    let subscriber = repo::subscriber_for_email(&state.pool, &typed).await?;
    let active = repo::add_subscription(&state.pool, subscriber.id, author_id, false).await?;
    if !active {
        repo::reopen_pending(&state.pool, subscriber.id, author_id).await?;
        if repo::claim_confirmation(&state.pool, subscriber.id).await? {
            let scope_words = match &author {
                Some((_, username)) => format!("new stories by @{username}"),
                None => "new Waypost stories".to_owned(),
            };
            let key = format!(
                "subscribe-confirm-{}-{}",
                subscriber.id,
                time::OffsetDateTime::now_utc().unix_timestamp()
            );
            let mail = emails::confirm(
                key,
                &subscriber.email,
                &subscriber.token,
                &scope_words,
                &state.config.site_url,
            );
            // The answer is the same either way; a lost confirmation can be asked for again.
            if let Err(error) = state.mail.enqueue(mail).await {
                tracing::warn!(%error, "could not queue a subscription confirmation");
            }
        }
    }
    Ok(Subscribed::CheckInbox)
}

async fn by_token(state: &AppState, token: &str) -> Result<repo::Subscriber, AppError> {
    if token.is_empty() || token.len() > 64 {
        return Err(AppError::NotFound);
    }
    repo::subscriber_by_token(&state.pool, token)
        .await?
        .ok_or(AppError::NotFound)
}

/// The confirmation link: every subscription the address was waiting on starts.
pub async fn confirm(state: &AppState, token: &str) -> Result<u64, AppError> {
    let subscriber = by_token(state, token).await?;
    let confirmed = repo::confirm_pending(&state.pool, subscriber.id).await?;
    tracing::info!(
        subscriber = subscriber.id,
        confirmed,
        "subscription confirmed"
    );
    Ok(confirmed)
}

/// One-click unsubscribe (the e-mail's link, or its List-Unsubscribe POST): nothing more is
/// sent to the address. Undo brings back what this ended.
pub async fn unsubscribe(state: &AppState, token: &str) -> Result<u64, AppError> {
    let subscriber = by_token(state, token).await?;
    let ended = repo::unsubscribe_all(&state.pool, subscriber.id).await?;
    tracing::info!(subscriber = subscriber.id, ended, "unsubscribed");
    Ok(ended)
}

pub async fn undo_unsubscribe(state: &AppState, token: &str) -> Result<u64, AppError> {
    let subscriber = by_token(state, token).await?;
    Ok(repo::undo_unsubscribe(&state.pool, subscriber.id).await?)
}

/// A signed-in reader's subscriptions, for the account page.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub email: String,
    pub digest: bool,
    pub subscriptions: Vec<repo::OwnSubscription>,
}

pub async fn settings(state: &AppState, actor: &Actor) -> Result<Settings, AppError> {
    let user = actor.signed_in()?;
    let Some(subscriber) = repo::subscriber_of_user(&state.pool, user.id).await? else {
        return Ok(Settings {
            email: user.email.clone(),
            ..Settings::default()
        });
    };
    Ok(Settings {
        subscriptions: repo::active_subscriptions(&state.pool, subscriber.id).await?,
        email: subscriber.email,
        digest: subscriber.digest,
    })
}

/// A change on the account page.
pub enum Change {
    /// Instant e-mails (`false`) or a weekly digest (`true`).
    Digest(bool),
    /// End the subscription to a writer (`Some(id)`) or to the whole blog.
    End(Option<i64>),
}

pub async fn change(state: &AppState, actor: &Actor, change: Change) -> Result<(), AppError> {
    let user = actor.signed_in()?;
    let subscriber = repo::subscriber_of_user(&state.pool, user.id)
        .await?
        .ok_or_else(|| AppError::BadRequest("You have no e-mail subscriptions.".to_owned()))?;
    match change {
        Change::Digest(digest) => repo::set_digest(&state.pool, subscriber.id, digest).await?,
        Change::End(author_id) => {
            repo::end_subscription(&state.pool, subscriber.id, author_id).await?
        }
    }
    Ok(())
}

/// Whether the signed-in reader (`viewer`, a user id) gets `scope`'s stories by e-mail
/// (`None` when nobody is signed in). Takes the id, not an actor: a page render needs no
/// permissions for it.
pub async fn is_subscribed(
    state: &AppState,
    viewer: Option<i64>,
    author_id: Option<i64>,
) -> Result<Option<bool>, AppError> {
    let Some(user_id) = viewer else {
        return Ok(None);
    };
    Ok(Some(
        match repo::subscriber_of_user(&state.pool, user_id).await? {
            Some(subscriber) => repo::is_subscribed(&state.pool, subscriber.id, author_id).await?,
            None => false,
        },
    ))
}

/// A writer's mailing figures: who gets their stories, and how each story's mailing went.
#[derive(Debug, Clone)]
pub struct WriterDashboard {
    pub direct_subscribers: i64,
    pub blog_subscribers: i64,
    pub issues: Vec<IssueFigures>,
}

#[derive(Debug, Clone)]
pub struct IssueFigures {
    pub slug: String,
    pub title: String,
    pub published_on: String,
    pub recipients: i64,
    pub sent: i64,
    pub failed: i64,
    /// Queued or being sent (or the fan-out still running).
    pub pending: i64,
    pub fan_out_finished: bool,
}

pub async fn writer_dashboard(
    state: &AppState,
    actor: &Actor,
) -> Result<WriterDashboard, AppError> {
    let user = actor.require(crate::accounts::Permission::WriteArticle)?;
    let (direct, blog) = repo::audience(&state.pool, user.id).await?;
    let mut issues = Vec::new();
    for issue in repo::issues_of_author(&state.pool, user.id, 20).await? {
        let stats = state
            .mail
            .campaign(&emails::campaign_of_story(issue.article_id))
            .await
            .unwrap_or_default();
        let recipients = i64::from(issue.recipients);
        issues.push(IssueFigures {
            slug: issue.slug,
            title: issue.title,
            published_on: issue.published_on,
            recipients,
            sent: stats.sent,
            failed: stats.failed,
            pending: (recipients - stats.sent - stats.failed).max(0),
            fan_out_finished: issue.finished,
        });
    }
    Ok(WriterDashboard {
        direct_subscribers: direct,
        blog_subscribers: blog,
        issues,
    })
}
