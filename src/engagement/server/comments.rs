//! Comment threads stored as materialized paths (see the engagement migration).

use crate::engagement::model::{CommentAuthor, CommentState, CommentView};
use crate::error::AppError;
use sqlx::{PgPool, Postgres, Transaction};

/// Base-62 digits in ASCII order, so byte order of equal-length strings is numeric order.
const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// The path column's limit; at ~6 bytes a level that is about 400 levels of replies.
pub const MAX_PATH_BYTES: usize = 2400;

/// One level of a path: a digit count, then the id in base 62. The count makes segments
/// self-delimiting and makes shorter (smaller) ids sort first, so comparing two paths
/// byte by byte compares the ids level by level.
pub fn path_segment(id: i64) -> String {
    let mut n = id.unsigned_abs();
    let mut digits = Vec::with_capacity(11);
    loop {
        digits.push(DIGITS[(n % 62) as usize]);
        n /= 62;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    let mut segment = String::with_capacity(digits.len() + 1);
    segment.push(DIGITS[digits.len()] as char);
    segment.extend(digits.into_iter().map(char::from));
    segment
}

#[derive(Debug)]
pub struct CommentRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub path: String,
    pub author_id: Option<i64>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
    pub body_html: String,
    pub deleted: bool,
    pub hidden: bool,
    pub edited: bool,
    pub posted_on: Option<String>,
    pub posted_iso: Option<String>,
}

impl CommentRow {
    /// The comment as `moderator` (or not) may see it.
    pub fn into_view(self, moderator: bool) -> CommentView {
        let state = if self.deleted {
            CommentState::Deleted
        } else if self.hidden {
            CommentState::Hidden
        } else {
            CommentState::Visible
        };
        let readable = match state {
            CommentState::Visible => true,
            CommentState::Hidden => moderator,
            CommentState::Deleted => false,
        };
        let author = match (readable, self.author_id, self.username) {
            (true, Some(id), Some(username)) => Some(CommentAuthor {
                id,
                name: self
                    .display_name
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| username.clone()),
                username,
                avatar_url: self.avatar_url,
            }),
            _ => None,
        };
        CommentView {
            id: self.id,
            parent_id: self.parent_id,
            depth: self.depth,
            path: self.path,
            author,
            body_html: if readable {
                self.body_html
            } else {
                String::new()
            },
            state,
            posted_on: self.posted_on.unwrap_or_default(),
            posted_iso: self.posted_iso.unwrap_or_default(),
            edited: self.edited,
        }
    }
}

/// Up to `limit` comments of an article after `after` (a path), in thread order: every
/// comment is followed by its replies, siblings oldest first. One index range scan.
pub async fn thread(
    pool: &PgPool,
    article_id: i64,
    after: &str,
    limit: i64,
) -> Result<Vec<CommentRow>, sqlx::Error> {
    sqlx::query_as!(
        CommentRow,
        r#"SELECT c.id, c.parent_id, c.depth, c.path, c.author_id,
                  u.username AS "username?", p.display_name AS "display_name?", p.avatar_url AS "avatar_url?",
                  c.body_html, c.deleted_at IS NOT NULL AS "deleted!", c.hidden_at IS NOT NULL AS "hidden!",
                  c.edited_at IS NOT NULL AS "edited!",
                  to_char(c.created_at AT TIME ZONE 'UTC', 'FMDD FMMon YYYY, HH24:MI') AS posted_on,
                  to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS posted_iso
           FROM comments c
           LEFT JOIN users u ON u.id = c.author_id
           LEFT JOIN profiles p ON p.user_id = c.author_id
           WHERE c.article_id = $1 AND c.path > $2
           ORDER BY c.path
           LIMIT $3"#,
        article_id,
        after,
        limit,
    )
    .fetch_all(pool)
    .await
}

/// How many comments (any state) follow `after` in the thread.
pub async fn count_after(pool: &PgPool, article_id: i64, after: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM comments WHERE article_id = $1 AND path > $2"#,
        article_id,
        after,
    )
    .fetch_one(pool)
    .await
}

pub async fn by_id(pool: &PgPool, id: i64) -> Result<Option<CommentRow>, sqlx::Error> {
    sqlx::query_as!(
        CommentRow,
        r#"SELECT c.id, c.parent_id, c.depth, c.path, c.author_id,
                  u.username AS "username?", p.display_name AS "display_name?", p.avatar_url AS "avatar_url?",
                  c.body_html, c.deleted_at IS NOT NULL AS "deleted!", c.hidden_at IS NOT NULL AS "hidden!",
                  c.edited_at IS NOT NULL AS "edited!",
                  to_char(c.created_at AT TIME ZONE 'UTC', 'FMDD FMMon YYYY, HH24:MI') AS posted_on,
                  to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS posted_iso
           FROM comments c
           LEFT JOIN users u ON u.id = c.author_id
           LEFT JOIN profiles p ON p.user_id = c.author_id
           WHERE c.id = $1"#,
        id,
    )
    .fetch_optional(pool)
    .await
}

/// What the permission checks need to know about a comment.
pub struct CommentMeta {
    pub article_id: i64,
    pub author_id: Option<i64>,
    pub body_md: String,
    pub deleted: bool,
    pub hidden: bool,
}

pub async fn meta(pool: &PgPool, id: i64) -> Result<Option<CommentMeta>, sqlx::Error> {
    sqlx::query_as!(
        CommentMeta,
        r#"SELECT article_id, author_id, body_md, deleted_at IS NOT NULL AS "deleted!",
                  hidden_at IS NOT NULL AS "hidden!"
           FROM comments WHERE id = $1"#,
        id,
    )
    .fetch_optional(pool)
    .await
}

pub struct NewComment<'a> {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub author_id: i64,
    pub body_md: &'a str,
    pub body_html: &'a str,
}

/// Inserts a comment (or reply) and bumps the article's comment count, in one transaction.
/// Returns the new comment's id.
pub async fn insert(pool: &PgPool, new: &NewComment<'_>) -> Result<i64, AppError> {
    let mut tx = pool.begin().await?;
    if !crate::articles::server::repo::is_published(&mut *tx, new.article_id).await? {
        return Err(AppError::NotFound);
    }
    let (parent_path, depth) = match new.parent_id {
        None => (String::new(), 0),
        Some(parent_id) => {
            // KEY SHARE: a concurrent delete of the parent waits for this reply and then
            // sees it (and keeps the parent as a placeholder).
            let parent = sqlx::query!(
                r#"SELECT article_id, path, depth, deleted_at IS NOT NULL AS "deleted!",
                          hidden_at IS NOT NULL AS "hidden!"
                   FROM comments WHERE id = $1 FOR KEY SHARE"#,
                parent_id,
            )
            .fetch_optional(&mut *tx)
            .await?;
            let Some(parent) = parent else {
                return Err(AppError::invalid(
                    "parent",
                    "The comment you replied to no longer exists.",
                ));
            };
            if parent.article_id != new.article_id {
                return Err(AppError::invalid(
                    "parent",
                    "That comment belongs to another story.",
                ));
            }
            if parent.deleted || parent.hidden {
                return Err(AppError::invalid(
                    "parent",
                    "The comment you replied to was removed; it can't take new replies.",
                ));
            }
            (parent.path, parent.depth + 1)
        }
    };
    let id =
        sqlx::query_scalar!(r#"SELECT nextval(pg_get_serial_sequence('comments', 'id')) AS "id!""#)
            .fetch_one(&mut *tx)
            .await?;
    let path = format!("{parent_path}{}", path_segment(id));
    if path.len() > MAX_PATH_BYTES {
        return Err(AppError::invalid(
            "parent",
            "This conversation is too deep to continue here; reply to an earlier comment.",
        ));
    }
    sqlx::query!(
        "INSERT INTO comments (id, article_id, parent_id, author_id, path, depth, body_md, body_html)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        new.article_id,
        new.parent_id,
        new.author_id,
        path,
        depth,
        new.body_md,
        new.body_html,
    )
    .execute(&mut *tx)
    .await?;
    bump_count(&mut tx, new.article_id, 1).await?;
    tx.commit().await?;
    Ok(id)
}

async fn bump_count(
    tx: &mut Transaction<'_, Postgres>,
    article_id: i64,
    delta: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE articles SET comment_count = greatest(comment_count + $2, 0) WHERE id = $1",
        article_id,
        delta,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn edit(
    pool: &PgPool,
    id: i64,
    body_md: &str,
    body_html: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE comments SET body_md = $2, body_html = $3, edited_at = now()
         WHERE id = $1 AND deleted_at IS NULL",
        id,
        body_md,
        body_html,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes a comment. With replies it stays as an empty placeholder (the thread keeps its
/// shape); without, it goes, and so do placeholders left with nothing under them.
/// Returns whether a placeholder remains.
pub async fn delete(pool: &PgPool, id: i64) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query!(
        r#"SELECT article_id, parent_id, deleted_at IS NOT NULL AS "deleted!", hidden_at IS NOT NULL AS "hidden!"
           FROM comments WHERE id = $1 FOR UPDATE"#,
        id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Err(AppError::NotFound);
    };
    if row.deleted {
        return Err(AppError::NotFound);
    }
    let has_replies = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM comments WHERE parent_id = $1) AS "exists!""#,
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    if has_replies {
        sqlx::query!(
            "UPDATE comments SET deleted_at = now(), body_md = '', body_html = '' WHERE id = $1",
            id
        )
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query!("DELETE FROM comments WHERE id = $1", id)
            .execute(&mut *tx)
            .await?;
        // Walk up: a placeholder whose last reply just went has no reason to stay.
        let mut parent = row.parent_id;
        while let Some(parent_id) = parent {
            let removed = sqlx::query_scalar!(
                "DELETE FROM comments c WHERE c.id = $1 AND c.deleted_at IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = c.id)
                 RETURNING c.parent_id",
                parent_id,
            )
            .fetch_optional(&mut *tx)
            .await?;
            parent = removed.flatten();
        }
    }
    if !row.hidden {
        bump_count(&mut tx, row.article_id, -1).await?;
    }
    tx.commit().await?;
    Ok(has_replies)
}

/// Hides or shows a comment (moderation). Returns false if nothing changed.
pub async fn set_hidden(
    pool: &PgPool,
    id: i64,
    moderator_id: i64,
    hide: bool,
) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let article_id = sqlx::query_scalar!(
        "UPDATE comments SET hidden_at = CASE WHEN $2 THEN now() END,
                             hidden_by = CASE WHEN $2 THEN $3::bigint END
         WHERE id = $1 AND deleted_at IS NULL AND (hidden_at IS NOT NULL) <> $2
         RETURNING article_id",
        id,
        hide,
        moderator_id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(article_id) = article_id else {
        return Ok(false);
    };
    bump_count(&mut tx, article_id, if hide { -1 } else { 1 }).await?;
    tx.commit().await?;
    Ok(true)
}

/// Who hears about a new comment: the author of the comment replied to, and the story's
/// authors; never the commenter themself.
pub struct Recipient {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub reason: &'static str,
}

pub async fn recipients(pool: &PgPool, comment_id: i64) -> Result<Vec<Recipient>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"WITH c AS (SELECT article_id, parent_id, author_id FROM comments WHERE id = $1)
           SELECT u.id, u.email, coalesce(nullif(p.display_name, ''), u.username) AS "name!",
                  bool_or(r.kind = 'reply') AS "is_reply!"
           FROM (
               SELECT pc.author_id AS user_id, 'reply' AS kind
                 FROM c JOIN comments pc ON pc.id = c.parent_id
               UNION ALL
               SELECT aa.user_id, 'article' FROM c JOIN article_authors aa ON aa.article_id = c.article_id
           ) r
           JOIN users u ON u.id = r.user_id AND u.is_active AND u.email_verified_at IS NOT NULL
           LEFT JOIN profiles p ON p.user_id = u.id
           WHERE r.user_id IS DISTINCT FROM (SELECT author_id FROM c)
             AND coalesce(p.notify_comments, TRUE)
           GROUP BY u.id, u.email, p.display_name, u.username"#,
        comment_id,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Recipient {
            user_id: row.id,
            email: row.email,
            name: row.name,
            reason: if row.is_reply { "reply" } else { "article" },
        })
        .collect())
}

/// What a notification about a comment says: the story and who wrote the comment.
pub struct CommentContext {
    pub title: String,
    pub slug: String,
    pub commenter: String,
}

pub async fn context(
    pool: &PgPool,
    comment_id: i64,
) -> Result<Option<CommentContext>, sqlx::Error> {
    sqlx::query_as!(
        CommentContext,
        r#"SELECT a.title, a.slug,
                  coalesce(nullif(p.display_name, ''), u.username, 'Someone') AS "commenter!"
           FROM comments c
           JOIN articles a ON a.id = c.article_id
           LEFT JOIN users u ON u.id = c.author_id
           LEFT JOIN profiles p ON p.user_id = c.author_id
           WHERE c.id = $1"#,
        comment_id,
    )
    .fetch_optional(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::path_segment;

    #[test]
    fn segments_sort_like_ids() {
        let ids = [
            1_i64,
            2,
            9,
            10,
            61,
            62,
            63,
            1000,
            3843,
            3844,
            99_999,
            1 << 40,
            i64::MAX,
        ];
        let segments: Vec<String> = ids.iter().map(|&id| path_segment(id)).collect();
        let mut sorted = segments.clone();
        sorted.sort();
        assert_eq!(segments, sorted);
        assert_eq!(path_segment(1), "11");
        assert_eq!(path_segment(62), "210");
    }

    #[test]
    fn replies_sort_between_their_parent_and_its_next_sibling() {
        let parent = path_segment(5);
        let reply = format!("{parent}{}", path_segment(900));
        let next_sibling = path_segment(6);
        assert!(parent < reply && reply < next_sibling);
        // A long id after a short one, at the same level.
        let big_sibling = path_segment(70);
        assert!(reply < big_sibling);
    }
}
