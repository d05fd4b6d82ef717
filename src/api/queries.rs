//! The API's read model: articles, profiles and comments as the RealWorld shapes want them,
//! with the viewer's `favorited` / `following` flags computed in the same query.

use super::model::{Article, ArticleSummary, Comment, Place, Profile};
use sqlx::PgPool;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// Profiles keep "" for "no bio"; the API says `null`. Uploaded pictures get the site's
/// address so clients elsewhere can load them.
pub fn profile(
    site_url: &str,
    username: String,
    bio: String,
    image: Option<String>,
    following: bool,
) -> Profile {
    Profile {
        username,
        bio: (!bio.is_empty()).then_some(bio),
        image: image.filter(|i| !i.is_empty()).map(|i| {
            if i.starts_with('/') {
                format!("{site_url}{i}")
            } else {
                i
            }
        }),
        following,
    }
}

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

impl ArticleRecord {
    fn author(&self, site_url: &str) -> Profile {
        profile(
            site_url,
            self.author_username.clone(),
            self.author_bio.clone(),
            self.author_image.clone(),
            self.author_following,
        )
    }

    pub fn into_article(self, site_url: &str, places: Vec<Place>) -> Article {
        let author = self.author(site_url);
        Article {
            slug: self.slug,
            title: self.title,
            description: self.summary,
            body: self.body_md,
            tag_list: self.tags,
            created_at: timestamp(self.created_at),
            updated_at: timestamp(self.updated_at),
            favorited: self.favorited,
            favorites_count: self.favorite_count,
            author,
            places,
        }
    }

    pub fn into_summary(self, site_url: &str) -> ArticleSummary {
        let author = self.author(site_url);
        ArticleSummary {
            slug: self.slug,
            title: self.title,
            description: self.summary,
            tag_list: self.tags,
            created_at: timestamp(self.created_at),
            updated_at: timestamp(self.updated_at),
            favorited: self.favorited,
            favorites_count: self.favorite_count,
            author,
        }
    }
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

pub struct ProfileRecord {
    pub id: i64,
    pub username: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub following: bool,
}

/// An active user's public profile, with whether `viewer` follows them.
pub async fn profile_by_username(
    pool: &PgPool,
    username: &str,
    viewer: Option<i64>,
) -> Result<Option<ProfileRecord>, sqlx::Error> {
    sqlx::query_as!(
        ProfileRecord,
        r#"SELECT u.id, u.username, p.bio, p.avatar_url AS "avatar_url?",
                  EXISTS (SELECT 1 FROM follows WHERE follower_id = $2 AND followee_id = u.id) AS "following!"
           FROM users u JOIN profiles p ON p.user_id = u.id
           WHERE lower(u.username) = lower($1) AND u.is_active"#,
        username,
        viewer,
    )
    .fetch_optional(pool)
    .await
}

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

impl CommentRecord {
    pub fn into_comment(self, site_url: &str) -> Comment {
        Comment {
            id: self.id,
            created_at: timestamp(self.created_at),
            updated_at: timestamp(self.edited_at.unwrap_or(self.created_at)),
            body: self.body_md,
            author: profile(
                site_url,
                self.username,
                self.bio,
                self.avatar_url,
                self.following,
            ),
        }
    }
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
