//! Where an imported row lives now, for the old blog's addresses (`web::legacy`).

use sqlx::PgPool;

/// The current slug of the published story imported from Django post `id`.
pub async fn post_slug(pool: &PgPool, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT a.slug FROM legacy_ids l JOIN articles a ON a.id = l.new_id
         WHERE l.kind = 'post' AND l.legacy_id = $1 AND a.status = 'published'",
        id
    )
    .fetch_optional(pool)
    .await
}

/// The username of the active account imported from Django user `id`.
pub async fn username(pool: &PgPool, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT u.username FROM legacy_ids l JOIN users u ON u.id = l.new_id
         WHERE l.kind = 'user' AND l.legacy_id = $1 AND u.is_active",
        id
    )
    .fetch_optional(pool)
    .await
}
