//! The subscriptions' SQL: subscribers, what they subscribed to, and the progress of each
//! mailing (a story's first publication, a week's digest).

mod mailings;

pub use mailings::*;
use sqlx::PgPool;

#[derive(Debug, Clone)]
pub struct Subscriber {
    pub id: i64,
    pub email: String,
    pub token: String,
    pub digest: bool,
    pub user_id: Option<i64>,
}

/// Someone a mailing goes to.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub id: i64,
    pub email: String,
    pub token: String,
}

fn new_token() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::thread_rng(), 32)
}

/// The subscriber with this (normalized) address, created if new.
pub async fn subscriber_for_email(pool: &PgPool, email: &str) -> Result<Subscriber, sqlx::Error> {
    sqlx::query_as!(
        Subscriber,
        r#"INSERT INTO subscribers (email, token) VALUES ($1, $2)
           ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email
           RETURNING id, email, token, digest, user_id"#,
        email,
        new_token(),
    )
    .fetch_one(pool)
    .await
}

/// The subscriber of a signed-in user: the one linked to the account, else the one with the
/// account's (verified) address, linked now, else a new one.
pub async fn subscriber_for_user(
    pool: &PgPool,
    user_id: i64,
    email: &str,
) -> Result<Subscriber, sqlx::Error> {
    if let Some(found) = subscriber_of_user(pool, user_id).await? {
        return Ok(found);
    }
    let linked = sqlx::query_as!(
        Subscriber,
        r#"INSERT INTO subscribers (email, token, user_id) VALUES ($1, $2, $3)
           ON CONFLICT (email) DO UPDATE SET user_id = EXCLUDED.user_id
               WHERE subscribers.user_id IS NULL
           RETURNING id, email, token, digest, user_id"#,
        email,
        new_token(),
        user_id,
    )
    .fetch_optional(pool)
    .await?;
    match linked {
        Some(subscriber) => Ok(subscriber),
        // The address is another account's subscriber (it changed hands): use it unlinked.
        None => subscriber_for_email(pool, email).await,
    }
}

pub async fn subscriber_of_user(
    pool: &PgPool,
    user_id: i64,
) -> Result<Option<Subscriber>, sqlx::Error> {
    sqlx::query_as!(
        Subscriber,
        "SELECT id, email, token, digest, user_id FROM subscribers WHERE user_id = $1",
        user_id
    )
    .fetch_optional(pool)
    .await
}

pub async fn subscriber_by_email(
    pool: &PgPool,
    email: &str,
) -> Result<Option<Subscriber>, sqlx::Error> {
    sqlx::query_as!(
        Subscriber,
        "SELECT id, email, token, digest, user_id FROM subscribers WHERE email = $1",
        email
    )
    .fetch_optional(pool)
    .await
}

pub async fn subscriber_by_token(
    pool: &PgPool,
    token: &str,
) -> Result<Option<Subscriber>, sqlx::Error> {
    sqlx::query_as!(
        Subscriber,
        "SELECT id, email, token, digest, user_id FROM subscribers WHERE token = $1",
        token
    )
    .fetch_optional(pool)
    .await
}

/// Adds (or renews) a subscription. `confirmed`: the address is proven (a signed-in reader's
/// verified address); otherwise a new or lapsed subscription waits for the confirmation link.
/// Returns whether it is active (confirmed) now.
pub async fn add_subscription(
    pool: &PgPool,
    subscriber_id: i64,
    author_id: Option<i64>,
    confirmed: bool,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"INSERT INTO subscriptions (subscriber_id, author_id, confirmed_at)
           VALUES ($1, $2, CASE WHEN $3 THEN now() END)
           ON CONFLICT (subscriber_id, (coalesce(author_id, 0))) DO UPDATE SET
               confirmed_at = CASE
                   WHEN $3 THEN coalesce(subscriptions.confirmed_at, now())
                   WHEN subscriptions.unsubscribed_at IS NULL THEN subscriptions.confirmed_at
               END,
               unsubscribed_at = CASE WHEN $3 THEN NULL ELSE subscriptions.unsubscribed_at END
           RETURNING confirmed_at IS NOT NULL AND unsubscribed_at IS NULL AS "active!""#,
        subscriber_id,
        author_id,
        confirmed,
    )
    .fetch_one(pool)
    .await
}

/// A lapsed (unsubscribed) subscription asked for again from a form: it waits for the
/// confirmation link like a new one.
pub async fn reopen_pending(
    pool: &PgPool,
    subscriber_id: i64,
    author_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE subscriptions SET unsubscribed_at = NULL, confirmed_at = NULL
           WHERE subscriber_id = $1 AND coalesce(author_id, 0) = coalesce($2::bigint, 0)
             AND unsubscribed_at IS NOT NULL"#,
        subscriber_id,
        author_id,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Takes the right to send a confirmation e-mail: at most one an hour per address.
pub async fn claim_confirmation(pool: &PgPool, subscriber_id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query!(
        r#"UPDATE subscribers SET confirmation_sent_at = now()
           WHERE id = $1 AND (confirmation_sent_at IS NULL
                              OR confirmation_sent_at < now() - interval '1 hour')"#,
        subscriber_id
    )
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}

/// Confirms every subscription the address is waiting on. Returns how many.
pub async fn confirm_pending(pool: &PgPool, subscriber_id: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        r#"UPDATE subscriptions SET confirmed_at = now()
           WHERE subscriber_id = $1 AND confirmed_at IS NULL AND unsubscribed_at IS NULL"#,
        subscriber_id
    )
    .execute(pool)
    .await?
    .rows_affected())
}

/// One-click unsubscribe: every active or pending subscription, at one instant (what undo
/// restores). Returns how many.
pub async fn unsubscribe_all(pool: &PgPool, subscriber_id: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        r#"UPDATE subscriptions SET unsubscribed_at = now()
           WHERE subscriber_id = $1 AND unsubscribed_at IS NULL"#,
        subscriber_id
    )
    .execute(pool)
    .await?
    .rows_affected())
}

/// Undoes the last one-click unsubscribe. Returns how many subscriptions came back.
pub async fn undo_unsubscribe(pool: &PgPool, subscriber_id: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        r#"UPDATE subscriptions SET unsubscribed_at = NULL
           WHERE subscriber_id = $1
             AND unsubscribed_at = (SELECT max(unsubscribed_at) FROM subscriptions
                                    WHERE subscriber_id = $1)"#,
        subscriber_id
    )
    .execute(pool)
    .await?
    .rows_affected())
}

/// Ends one subscription (the whole blog when `author_id` is `None`).
pub async fn end_subscription(
    pool: &PgPool,
    subscriber_id: i64,
    author_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE subscriptions SET unsubscribed_at = now()
           WHERE subscriber_id = $1 AND coalesce(author_id, 0) = coalesce($2::bigint, 0)
             AND unsubscribed_at IS NULL"#,
        subscriber_id,
        author_id,
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn set_digest(
    pool: &PgPool,
    subscriber_id: i64,
    digest: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE subscribers SET digest = $2 WHERE id = $1",
        subscriber_id,
        digest
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A subscription as its owner sees it on the account page.
#[derive(Debug, Clone)]
pub struct OwnSubscription {
    /// `None`: the whole blog.
    pub author_id: Option<i64>,
    pub author_username: Option<String>,
    pub author_name: Option<String>,
    pub confirmed: bool,
}

pub async fn active_subscriptions(
    pool: &PgPool,
    subscriber_id: i64,
) -> Result<Vec<OwnSubscription>, sqlx::Error> {
    sqlx::query_as!(
        OwnSubscription,
        r#"SELECT s.author_id, u.username AS "author_username?",
                  nullif(p.display_name, '') AS "author_name?",
                  s.confirmed_at IS NOT NULL AS "confirmed!"
           FROM subscriptions s
           LEFT JOIN users u ON u.id = s.author_id
           LEFT JOIN profiles p ON p.user_id = s.author_id
           WHERE s.subscriber_id = $1 AND s.unsubscribed_at IS NULL
           ORDER BY s.author_id NULLS FIRST, lower(u.username)"#,
        subscriber_id
    )
    .fetch_all(pool)
    .await
}

/// Whether the subscriber gets the author's stories (directly, or with the whole blog).
pub async fn is_subscribed(
    pool: &PgPool,
    subscriber_id: i64,
    author_id: Option<i64>,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM subscriptions
                          WHERE subscriber_id = $1 AND unsubscribed_at IS NULL
                            AND confirmed_at IS NOT NULL
                            AND coalesce(author_id, 0) = coalesce($2::bigint, 0)) AS "yes!""#,
        subscriber_id,
        author_id,
    )
    .fetch_one(pool)
    .await
}

/// Confirmed subscribers who get an author's stories: directly, and with the whole blog.
pub async fn audience(pool: &PgPool, author_id: i64) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE author_id = $1) AS "direct!",
                  count(*) FILTER (WHERE author_id IS NULL) AS "blog!"
           FROM subscriptions s JOIN subscribers r ON r.id = s.subscriber_id
           WHERE s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL
             AND r.bounced_at IS NULL AND (author_id = $1 OR author_id IS NULL)"#,
        author_id
    )
    .fetch_one(pool)
    .await?;
    Ok((row.direct, row.blog))
}

/// An address SendGrid reported as bouncing or complaining: nothing more goes to it.
pub async fn mark_bounced(pool: &PgPool, email: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query!(
        "UPDATE subscribers SET bounced_at = now() WHERE email = $1 AND bounced_at IS NULL",
        email
    )
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}
