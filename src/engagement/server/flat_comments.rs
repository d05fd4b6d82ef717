//! A story's visible comments as one flat list, oldest first, with the viewer's `following`
//! flag for each author (the JSON API's shape; pages use the threaded [`super::comments`]).

use sqlx::PgPool;
use time::OffsetDateTime;

pub struct CommentRecord {
    pub id: i64,
    pub author_id: Option<i64>,
    pub body_md: String,
    pub created_at: OffsetDateTime,
    pub edited_at: Option<OffsetDateTime>,
    pub username: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub following: bool,
}

/// The visible comments of an article, replies included (flattened, oldest first): deleted
/// placeholders, hidden comments and those of deleted accounts are left out.
pub async fn comments(
    pool: &PgPool,
    article_id: i64,
    comment_id: Option<i64>,
    viewer: Option<i64>,
) -> Result<Vec<CommentRecord>, sqlx::Error> {
    sqlx::query_as!(
        CommentRecord,
        r#"SELECT c.id, c.author_id AS "author_id?", c.body_md, c.created_at, c.edited_at AS "edited_at?",
                  u.username AS "username!", p.bio AS "bio!", p.avatar_url AS "avatar_url?",
                  EXISTS (SELECT 1 FROM follows WHERE follower_id = $3 AND followee_id = u.id) AS "following!"
           FROM comments c
           JOIN users u ON u.id = c.author_id
           JOIN profiles p ON p.user_id = u.id
           WHERE c.article_id = $1 AND ($2::bigint IS NULL OR c.id = $2)
             AND c.deleted_at IS NULL AND c.hidden_at IS NULL
           ORDER BY c.created_at, c.id"#,
        article_id,
        comment_id,
        viewer,
    )
    .fetch_all(pool)
    .await
}
