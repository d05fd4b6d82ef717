//! The mailings' SQL: a story's first publication and its fan-out, the weekly digests.

use super::Recipient;
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};

/// Records a story's first publication, in the publishing transaction: only when this
/// transaction set `published_at` (`now()` is the transaction's start, so an earlier
/// publication never matches). Returns whether it was the first.
pub async fn record_first_publication(
    tx: &mut Transaction<'_, Postgres>,
    article_id: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query!(
        r#"INSERT INTO newsletter_issues (article_id, published_at)
           SELECT id, published_at FROM articles
           WHERE id = $1 AND status = 'published' AND published_at = now()
           ON CONFLICT (article_id) DO NOTHING"#,
        article_id
    )
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

/// Where a mailing's fan-out stands (locked for this transaction).
pub struct Progress {
    pub cursor: i64,
    pub finished: bool,
}

pub async fn lock_issue(
    tx: &mut Transaction<'_, Postgres>,
    article_id: i64,
) -> Result<Option<Progress>, sqlx::Error> {
    sqlx::query_as!(
        Progress,
        r#"SELECT cursor, finished_at IS NOT NULL AS "finished!"
           FROM newsletter_issues WHERE article_id = $1 FOR UPDATE"#,
        article_id
    )
    .fetch_optional(&mut **tx)
    .await
}

pub async fn advance_issue(
    tx: &mut Transaction<'_, Postgres>,
    article_id: i64,
    cursor: i64,
    queued: i32,
    finished: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE newsletter_issues SET cursor = $2, recipients = recipients + $3,
               finished_at = CASE WHEN $4 THEN now() END
           WHERE article_id = $1"#,
        article_id,
        cursor,
        queued,
        finished,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The next subscribers (by id, after `after`) who get this story at once: confirmed,
/// not bounced, subscribed to the blog or to one of its authors; each once.
pub async fn instant_recipients(
    tx: &mut Transaction<'_, Postgres>,
    article_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<Recipient>, sqlx::Error> {
    sqlx::query_as!(
        Recipient,
        r#"SELECT r.id, r.email, r.token FROM subscribers r
           WHERE r.id > $2 AND NOT r.digest AND r.bounced_at IS NULL
             AND EXISTS (SELECT 1 FROM subscriptions s
                         WHERE s.subscriber_id = r.id AND s.confirmed_at IS NOT NULL
                           AND s.unsubscribed_at IS NULL
                           AND (s.author_id IS NULL OR s.author_id IN
                                (SELECT user_id FROM article_authors WHERE article_id = $1)))
           ORDER BY r.id LIMIT $3"#,
        article_id,
        after,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
}

/// A story as a mailing shows it (published stories only).
#[derive(Debug, Clone)]
pub struct MailedStory {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub cover_image: Option<String>,
    pub cover_alt: String,
    pub byline: String,
}

pub async fn mailed_stories(
    executor: impl PgExecutor<'_>,
    ids: &[i64],
) -> Result<Vec<MailedStory>, sqlx::Error> {
    sqlx::query_as!(
        MailedStory,
        r#"SELECT a.id, a.slug, a.title, a.summary, a.cover_image, a.cover_alt,
                  a.sort_author AS byline
           FROM articles a
           WHERE a.id = ANY($1) AND a.status = 'published'
           ORDER BY a.published_at, a.id"#,
        ids
    )
    .fetch_all(executor)
    .await
}

/// First publications whose fan-out has not finished a minute on (its job was lost).
pub async fn unfinished_issues(pool: &PgPool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT article_id FROM newsletter_issues
           WHERE finished_at IS NULL AND published_at < now() - interval '1 minute'
           ORDER BY published_at LIMIT 20"#
    )
    .fetch_all(pool)
    .await
}

/// How a story's mailing went: subscribers queued so far, and whether all were.
pub async fn issue_of(pool: &PgPool, article_id: i64) -> Result<Option<(i32, bool)>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT recipients, finished_at IS NOT NULL AS "finished!"
           FROM newsletter_issues WHERE article_id = $1"#,
        article_id
    )
    .fetch_optional(pool)
    .await?
    .map(|r| (r.recipients, r.finished)))
}

/// A writer's mailed stories, newest first.
pub struct AuthorIssue {
    pub article_id: i64,
    pub slug: String,
    pub title: String,
    pub published_on: String,
    pub recipients: i32,
    pub finished: bool,
}

pub async fn issues_of_author(
    pool: &PgPool,
    author_id: i64,
    limit: i64,
) -> Result<Vec<AuthorIssue>, sqlx::Error> {
    sqlx::query_as!(
        AuthorIssue,
        r#"SELECT i.article_id, a.slug, a.title,
                  to_char(i.published_at AT TIME ZONE 'UTC', 'FMDD FMMonth YYYY') AS "published_on!",
                  i.recipients, i.finished_at IS NOT NULL AS "finished!"
           FROM newsletter_issues i
           JOIN articles a ON a.id = i.article_id
           JOIN article_authors aa ON aa.article_id = a.id AND aa.user_id = $1
           ORDER BY i.published_at DESC LIMIT $2"#,
        author_id,
        limit,
    )
    .fetch_all(pool)
    .await
}

// --- Weekly digests ----------------------------------------------------------------------

/// Starts the digest of `period` once, whoever asks: true for the one caller that did.
pub async fn start_digest(
    pool: &PgPool,
    period: time::OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query!(
        "INSERT INTO digest_runs (period) VALUES ($1) ON CONFLICT (period) DO NOTHING",
        period
    )
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}

/// Digests started and not finished (their job may have been lost).
pub async fn unfinished_digests(pool: &PgPool) -> Result<Vec<time::OffsetDateTime>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT period FROM digest_runs
           WHERE finished_at IS NULL AND started_at < now() - interval '1 minute'"#
    )
    .fetch_all(pool)
    .await
}

pub async fn lock_digest(
    tx: &mut Transaction<'_, Postgres>,
    period: time::OffsetDateTime,
) -> Result<Option<Progress>, sqlx::Error> {
    sqlx::query_as!(
        Progress,
        r#"SELECT cursor, finished_at IS NOT NULL AS "finished!"
           FROM digest_runs WHERE period = $1 FOR UPDATE"#,
        period
    )
    .fetch_optional(&mut **tx)
    .await
}

pub async fn advance_digest(
    tx: &mut Transaction<'_, Postgres>,
    period: time::OffsetDateTime,
    cursor: i64,
    queued: i32,
    finished: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE digest_runs SET cursor = $2, recipients = recipients + $3,
               finished_at = CASE WHEN $4 THEN now() END
           WHERE period = $1"#,
        period,
        cursor,
        queued,
        finished,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A digest subscriber and the stories of the week they subscribed to (maybe none).
pub struct DigestRecipient {
    pub id: i64,
    pub email: String,
    pub token: String,
    pub article_ids: Vec<i64>,
}

/// The next digest subscribers after `after` with their stories first published in
/// `[from, to)` (still published), by subscription.
pub async fn digest_recipients(
    tx: &mut Transaction<'_, Postgres>,
    from: time::OffsetDateTime,
    to: time::OffsetDateTime,
    after: i64,
    limit: i64,
) -> Result<Vec<DigestRecipient>, sqlx::Error> {
    sqlx::query_as!(
        DigestRecipient,
        r#"SELECT r.id, r.email, r.token,
                  ARRAY(SELECT i.article_id FROM newsletter_issues i
                        JOIN articles a ON a.id = i.article_id AND a.status = 'published'
                        WHERE i.published_at >= $1 AND i.published_at < $2
                          AND EXISTS (SELECT 1 FROM subscriptions s
                                      WHERE s.subscriber_id = r.id
                                        AND s.confirmed_at IS NOT NULL
                                        AND s.unsubscribed_at IS NULL
                                        AND (s.author_id IS NULL OR s.author_id IN
                                             (SELECT user_id FROM article_authors aa
                                              WHERE aa.article_id = i.article_id)))
                        ORDER BY i.published_at, i.article_id) AS "article_ids!"
           FROM subscribers r
           WHERE r.digest AND r.bounced_at IS NULL AND r.id > $3
             AND EXISTS (SELECT 1 FROM subscriptions s
                         WHERE s.subscriber_id = r.id AND s.confirmed_at IS NOT NULL
                           AND s.unsubscribed_at IS NULL)
           ORDER BY r.id LIMIT $4"#,
        from,
        to,
        after,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
}
