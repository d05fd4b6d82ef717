//! Readers following writers: what the personal feed is made of.

use super::{repo, Actor};
use crate::cache::Change;
use crate::error::AppError;
use crate::state::AppState;
use sqlx::PgPool;

/// The follow command (the author page's button and the API): the actor starts (`on`) or
/// stops following the active account `username`. Idempotent; following yourself is refused;
/// 404 for nobody by that name. Returns the followed account's id.
pub async fn follow(
    state: &AppState,
    actor: &Actor,
    username: &str,
    on: bool,
) -> Result<i64, AppError> {
    let follower = actor.signed_in()?;
    let target = repo::find_by_login(&state.pool, username)
        .await?
        .filter(|u| u.is_active && u.username.eq_ignore_ascii_case(username))
        .ok_or(AppError::NotFound)?;
    set(&state.pool, follower.id, target.id, on).await?;
    // Author pages show follower counts, and anonymous readers get them cached.
    state
        .page_cache
        .invalidate(Change::Followers {
            username: target.username,
        })
        .await;
    Ok(target.id)
}

async fn set(pool: &PgPool, follower_id: i64, followee_id: i64, on: bool) -> Result<(), AppError> {
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
