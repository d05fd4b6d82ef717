//! Favourites (the heart on an article): one per reader and article, counted on the row.

use crate::accounts::server::Actor;
use crate::cache::Change;
use crate::error::AppError;
use crate::state::AppState;
use sqlx::PgPool;

/// The favourite command (the heart's form and the API): the actor adds (`on`) or removes
/// their favourite on the published story `slug`; 404 for a draft or a missing story.
pub async fn favourite(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    on: bool,
) -> Result<(), AppError> {
    let user = actor.signed_in()?;
    let article = crate::articles::server::repo::by_slug(&state.pool, slug)
        .await?
        .filter(|a| a.status == "published")
        .ok_or(AppError::NotFound)?;
    set(&state.pool, user.id, article.id, on).await?;
    state
        .page_cache
        .invalidate(Change::Article { slug: article.slug })
        .await;
    Ok(())
}

/// Adds (`on`) or removes the reader's favourite on a published article, keeping
/// `articles.favorite_count` exact in the same transaction. Idempotent: favouriting twice
/// changes nothing. `NotFound` for a missing or unpublished article.
async fn set(pool: &PgPool, user_id: i64, article_id: i64, on: bool) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    if !crate::articles::server::repo::is_published(&mut *tx, article_id).await? {
        return Err(AppError::NotFound);
    }
    let changed = if on {
        sqlx::query!(
            "INSERT INTO favorites (user_id, article_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            user_id,
            article_id
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
    } else {
        sqlx::query!(
            "DELETE FROM favorites WHERE user_id = $1 AND article_id = $2",
            user_id,
            article_id
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
    };
    if changed > 0 {
        let delta: i64 = if on { 1 } else { -1 };
        sqlx::query!(
            "UPDATE articles SET favorite_count = favorite_count + $2 WHERE id = $1",
            article_id,
            delta
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn is_favorite(
    pool: &PgPool,
    user_id: i64,
    article_id: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM favorites WHERE user_id = $1 AND article_id = $2) AS "exists!""#,
        user_id,
        article_id
    )
    .fetch_one(pool)
    .await
}
