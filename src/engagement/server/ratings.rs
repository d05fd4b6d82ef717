//! Ratings: one per reader and article, with the article's sum and count kept exact.

use crate::error::AppError;
use sqlx::PgPool;

pub struct Aggregate {
    pub sum: i64,
    pub count: i64,
}

/// Records (or replaces) `user_id`'s rating and returns the new aggregate.
///
/// The article row is locked first, so concurrent raters of one article are serialized and
/// each reads the previous rating after the one before it committed: sum and count move by
/// exact deltas and no update is lost.
pub async fn rate(
    pool: &PgPool,
    article_id: i64,
    user_id: i64,
    stars: i16,
) -> Result<Aggregate, AppError> {
    let mut tx = pool.begin().await?;
    let article = sqlx::query!(
        r#"SELECT a.status,
                  EXISTS (SELECT 1 FROM article_authors aa WHERE aa.article_id = a.id AND aa.user_id = $2) AS "is_author!"
           FROM articles a WHERE a.id = $1 FOR NO KEY UPDATE"#,
        article_id,
        user_id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(article) = article else {
        return Err(AppError::NotFound);
    };
    if article.status != "published" {
        return Err(AppError::NotFound);
    }
    if article.is_author {
        return Err(AppError::invalid("stars", "You can't rate your own story."));
    }
    let previous = sqlx::query_scalar!(
        "SELECT stars FROM ratings WHERE article_id = $1 AND user_id = $2",
        article_id,
        user_id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO ratings (article_id, user_id, stars) VALUES ($1, $2, $3)
         ON CONFLICT (article_id, user_id) DO UPDATE SET stars = EXCLUDED.stars, updated_at = now()",
        article_id,
        user_id,
        stars,
    )
    .execute(&mut *tx)
    .await?;
    let sum_delta = i64::from(stars) - previous.map(i64::from).unwrap_or(0);
    let count_delta = i64::from(previous.is_none());
    let aggregate = sqlx::query_as!(
        Aggregate,
        "UPDATE articles SET rating_sum = rating_sum + $2, rating_count = rating_count + $3
         WHERE id = $1 RETURNING rating_sum AS sum, rating_count AS count",
        article_id,
        sum_delta,
        count_delta,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(aggregate)
}

/// A rating staff removed: what the audit log names.
pub struct Removed {
    pub stars: i16,
    pub rater: String,
    pub title: String,
    pub slug: String,
}

/// Deletes `user_id`'s rating of `article_id` and takes it out of the story's sum and count,
/// with the article row locked first as `rate` does (so no concurrent rating is lost).
/// `None` when there was no such rating.
pub async fn remove(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    article_id: i64,
    user_id: i64,
) -> Result<Option<Removed>, sqlx::Error> {
    let article = sqlx::query!(
        "SELECT title, slug FROM articles WHERE id = $1 FOR NO KEY UPDATE",
        article_id
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(article) = article else {
        return Ok(None);
    };
    let removed = sqlx::query!(
        r#"DELETE FROM ratings r USING users u
           WHERE r.article_id = $1 AND r.user_id = $2 AND u.id = r.user_id
           RETURNING r.stars, u.username"#,
        article_id,
        user_id
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(removed) = removed else {
        return Ok(None);
    };
    sqlx::query!(
        "UPDATE articles SET rating_sum = rating_sum - $2, rating_count = rating_count - 1 WHERE id = $1",
        article_id,
        i64::from(removed.stars)
    )
    .execute(&mut **tx)
    .await?;
    Ok(Some(Removed {
        stars: removed.stars,
        rater: removed.username,
        title: article.title,
        slug: article.slug,
    }))
}

/// `user_id`'s stars on whichever of these stories they rated.
pub async fn own_ratings_by_slug(
    pool: &PgPool,
    user_id: i64,
    slugs: &[String],
) -> Result<Vec<(String, i16)>, sqlx::Error> {
    sqlx::query!(
        "SELECT a.slug, r.stars FROM ratings r JOIN articles a ON a.id = r.article_id
         WHERE r.user_id = $1 AND a.slug = ANY($2)",
        user_id,
        slugs,
    )
    .fetch_all(pool)
    .await
    .map(|rows| rows.into_iter().map(|r| (r.slug, r.stars)).collect())
}

pub async fn own_rating(
    pool: &PgPool,
    article_id: i64,
    user_id: i64,
) -> Result<Option<i16>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT stars FROM ratings WHERE article_id = $1 AND user_id = $2",
        article_id,
        user_id,
    )
    .fetch_optional(pool)
    .await
}
