//! Stories as the JSON API shows them: with their authors' ids, tags, favourite count and the
//! viewer's `favorited` / `following` flags, in one query.

use sqlx::PgPool;
use time::OffsetDateTime;

pub struct ArticleRecord {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    pub status: String,
    pub owner_id: i64,
    pub author_ids: Vec<i64>,
    pub tags: Vec<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub favorite_count: i64,
    pub favorited: bool,
    pub author_username: String,
    pub author_bio: String,
    pub author_image: Option<String>,
    pub author_following: bool,
}

/// One article by its current slug (any status: the caller decides who may see a draft).
pub async fn article_by_slug(
    pool: &PgPool,
    slug: &str,
    viewer: Option<i64>,
) -> Result<Option<ArticleRecord>, sqlx::Error> {
    sqlx::query_as!(
        ArticleRecord,
        r#"SELECT a.id, a.slug, a.title, a.summary, a.body_md, a.status, a.owner_id,
                  array(SELECT user_id FROM article_authors WHERE article_id = a.id) AS "author_ids!",
                  array(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id
                        WHERE at.article_id = a.id ORDER BY t.name) AS "tags!",
                  a.created_at, a.updated_at, a.favorite_count,
                  EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = $2) AS "favorited!",
                  u.username AS "author_username!", p.bio AS "author_bio!", p.avatar_url AS "author_image?",
                  EXISTS (SELECT 1 FROM follows fo WHERE fo.followee_id = a.owner_id AND fo.follower_id = $2) AS "author_following!"
           FROM articles a
           JOIN users u ON u.id = a.owner_id
           JOIN profiles p ON p.user_id = a.owner_id
           WHERE a.slug = $1"#,
        slug,
        viewer,
    )
    .fetch_optional(pool)
    .await
}

/// Articles by id, in the order given (bodies left out: lists never send them).
pub async fn article_summaries(
    pool: &PgPool,
    ids: &[i64],
    viewer: Option<i64>,
) -> Result<Vec<ArticleRecord>, sqlx::Error> {
    let mut rows = sqlx::query_as!(
        ArticleRecord,
        r#"SELECT a.id, a.slug, a.title, a.summary, ''::text AS "body_md!", a.status, a.owner_id,
                  array(SELECT user_id FROM article_authors WHERE article_id = a.id) AS "author_ids!",
                  array(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id
                        WHERE at.article_id = a.id ORDER BY t.name) AS "tags!",
                  a.created_at, a.updated_at, a.favorite_count,
                  EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = $2) AS "favorited!",
                  u.username AS "author_username!", p.bio AS "author_bio!", p.avatar_url AS "author_image?",
                  EXISTS (SELECT 1 FROM follows fo WHERE fo.followee_id = a.owner_id AND fo.follower_id = $2) AS "author_following!"
           FROM articles a
           JOIN users u ON u.id = a.owner_id
           JOIN profiles p ON p.user_id = a.owner_id
           WHERE a.id = ANY($1)"#,
        ids,
        viewer,
    )
    .fetch_all(pool)
    .await?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok(rows)
}

/// Every tag in use on a published article, by name.
pub async fn tags(pool: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT t.name FROM tags t
           WHERE EXISTS (SELECT 1 FROM article_tags at JOIN articles a ON a.id = at.article_id
                         WHERE at.tag_id = t.id AND a.status = 'published')
           ORDER BY t.name"#
    )
    .fetch_all(pool)
    .await
}
