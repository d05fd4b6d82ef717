//! Readers following writers: what the personal feed is made of.

use crate::error::AppError;
use sqlx::PgPool;

/// Starts (`on`) or stops following `followee_id`. Idempotent; following yourself is refused.
pub async fn set(
    pool: &PgPool,
    follower_id: i64,
    followee_id: i64,
    on: bool,
) -> Result<(), AppError> {
    if follower_id == followee_id {
        return Err(AppError::invalid("profile", "You can't follow yourself."));
    }
    if on {
        sqlx::query!(
            "INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            follower_id,
            followee_id
        )
        .execute(pool)
        .await?;
    } else {
        sqlx::query!(
            "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2",
            follower_id,
            followee_id
        )
        .execute(pool)
        .await?;
    }
    Ok(())
}

pub async fn is_following(
    pool: &PgPool,
    follower_id: i64,
    followee_id: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2) AS "exists!""#,
        follower_id,
        followee_id
    )
    .fetch_one(pool)
    .await
}

pub async fn follower_count(pool: &PgPool, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM follows WHERE followee_id = $1"#,
        user_id
    )
    .fetch_one(pool)
    .await
}
