//! The admin area's server side: the staff check, the queries behind the pages, the audit
//! log, and the actions (plain form POSTs, each checked and audited).

pub mod accounts;
pub mod actions;
pub mod commands;

use super::model::*;
use crate::accounts::server::{AuthSession, User};
use crate::error::AppError;
use crate::state::AppState;
use sqlx::PgPool;

pub const PAGE_SIZE: i64 = 25;

/// Staff only; anonymous → 401, anyone else → 403. Checked by every page query and action.
pub fn require_staff(auth: &AuthSession) -> Result<User, AppError> {
    match &auth.user {
        None => Err(AppError::Unauthenticated),
        Some(user) if user.is_staff && user.is_active => Ok(user.clone()),
        Some(_) => Err(AppError::Forbidden),
    }
}

impl<T> Paged<T> {
    /// One page of `total` rows, `PAGE_SIZE` a page.
    fn new(items: Vec<T>, page: i64, total: i64) -> Self {
        Paged {
            items,
            page: page.max(1),
            pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
            total,
        }
    }
}

fn offset(page: i64) -> i64 {
    (page.max(1) - 1) * PAGE_SIZE
}

/// `%` and `_` in a search are literal.
fn like_pattern(query: &str) -> String {
    let escaped = query
        .trim()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

pub async fn dashboard(state: &AppState) -> Result<Dashboard, AppError> {
    let counts = sqlx::query!(
        r#"SELECT
             (SELECT count(*) FROM users) AS "users!",
             (SELECT count(*) FROM user_groups ug JOIN groups g ON g.id = ug.group_id
               WHERE g.name = 'writer') AS "writers!",
             (SELECT count(*) FROM users WHERE is_staff) AS "staff!",
             (SELECT count(*) FROM users WHERE NOT is_active) AS "inactive!",
             (SELECT count(*) FROM articles WHERE status = 'published') AS "published!",
             (SELECT count(*) FROM articles WHERE status = 'draft') AS "drafts!",
             (SELECT count(*) FROM comments WHERE deleted_at IS NULL) AS "comments!",
             (SELECT count(*) FROM comments WHERE deleted_at IS NULL AND hidden_at IS NOT NULL) AS "hidden!",
             (SELECT count(*) FROM ratings) AS "ratings!""#
    )
    .fetch_one(&state.pool)
    .await?;
    let mail = tokio::time::timeout(std::time::Duration::from_secs(2), state.mail.stats())
        .await
        .ok()
        .and_then(Result::ok);
    Ok(Dashboard {
        users: counts.users,
        writers: counts.writers,
        staff: counts.staff,
        inactive: counts.inactive,
        published: counts.published,
        drafts: counts.drafts,
        comments: counts.comments,
        hidden_comments: counts.hidden,
        ratings: counts.ratings,
        mail_queued: mail.as_ref().map(|m| m.ready + m.delayed + m.in_flight),
        mail_dead: mail.as_ref().map(|m| m.dead),
        dead_letters: dead_letters(state).await,
        recent: audit_page(&state.pool, 1)
            .await?
            .items
            .into_iter()
            .take(8)
            .collect(),
    })
}

/// The ten newest dead letters (nothing when Redis can't be asked: the page still shows).
async fn dead_letters(state: &AppState) -> Vec<crate::admin::model::DeadLetter> {
    let jobs = tokio::time::timeout(std::time::Duration::from_secs(2), state.mail.dead_jobs())
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    jobs.into_iter()
        .take(10)
        .map(|job| {
            let (to, subject) = match job.email() {
                Some(email) => (email.to.clone(), email.subject.clone()),
                None => (String::new(), format!("task {}", job.id)),
            };
            crate::admin::model::DeadLetter {
                to,
                subject,
                attempts: job.attempts,
                error: job.last_error.unwrap_or_default(),
            }
        })
        .collect()
}

pub async fn users(pool: &PgPool, query: &str, page: i64) -> Result<Paged<AdminUser>, AppError> {
    let pattern = like_pattern(query);
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM users u JOIN profiles p ON p.user_id = u.id
           WHERE u.username ILIKE $1 OR u.email ILIKE $1 OR p.display_name ILIKE $1"#,
        pattern
    )
    .fetch_one(pool)
    .await?;
    let rows = user_rows(pool, Some(pattern.as_str()), None, PAGE_SIZE, offset(page)).await?;
    Ok(Paged::new(rows, page, total))
}

/// Accounts as the admin lists them: those matching `pattern` (ILIKE on username, e-mail
/// and name), or the one with `id`, newest first.
async fn user_rows(
    pool: &PgPool,
    pattern: Option<&str>,
    id: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<Vec<AdminUser>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT u.id, u.username, u.email, p.display_name, u.is_staff, u.is_active,
                  u.email_verified_at IS NOT NULL AS "verified!",
                  to_char(u.created_at, 'FMDD Mon YYYY') AS "joined!",
                  EXISTS (SELECT 1 FROM user_groups ug JOIN groups g ON g.id = ug.group_id
                          WHERE ug.user_id = u.id AND g.name = 'writer') AS "writer!",
                  ARRAY(SELECT provider FROM social_accounts s WHERE s.user_id = u.id ORDER BY provider) AS "social!"
           FROM users u JOIN profiles p ON p.user_id = u.id
           WHERE ($1::text IS NULL OR u.username ILIKE $1 OR u.email ILIKE $1 OR p.display_name ILIKE $1)
             AND ($2::bigint IS NULL OR u.id = $2)
           ORDER BY u.created_at DESC, u.id DESC
           LIMIT $3 OFFSET $4"#,
        pattern,
        id,
        limit,
        offset,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AdminUser {
            id: r.id,
            username: r.username,
            email: r.email,
            display_name: r.display_name,
            is_staff: r.is_staff,
            is_active: r.is_active,
            is_writer: r.writer,
            email_verified: r.verified,
            joined: r.joined,
            social: r.social,
        })
        .collect())
}

/// One account, with every group and whether it is a member.
pub async fn user_page(pool: &PgPool, id: i64) -> Result<UserPage, AppError> {
    let user = user_rows(pool, None, Some(id), 1, 0)
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let groups = sqlx::query!(
        r#"SELECT g.name, EXISTS (SELECT 1 FROM user_groups ug WHERE ug.group_id = g.id AND ug.user_id = $1) AS "member!"
           FROM groups g ORDER BY g.name"#,
        id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|g| (g.name, g.member))
    .collect();
    Ok(UserPage {
        user,
        groups,
        refused: None,
    })
}

/// Ratings, newest first; `query` matches the story's title or the reader's username.
pub async fn ratings(
    pool: &PgPool,
    query: &str,
    page: i64,
) -> Result<Paged<AdminRating>, AppError> {
    let pattern = like_pattern(query);
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM ratings r JOIN articles a ON a.id = r.article_id
           JOIN users u ON u.id = r.user_id
           WHERE a.title ILIKE $1 OR u.username ILIKE $1"#,
        pattern
    )
    .fetch_one(pool)
    .await?;
    let rows = sqlx::query_as!(
        AdminRating,
        r#"SELECT r.article_id, a.slug AS article_slug, a.title AS article_title, r.user_id,
                  u.username AS rater, r.stars, to_char(r.updated_at, 'FMDD Mon YYYY HH24:MI') AS "when!"
           FROM ratings r JOIN articles a ON a.id = r.article_id JOIN users u ON u.id = r.user_id
           WHERE a.title ILIKE $1 OR u.username ILIKE $1
           ORDER BY r.updated_at DESC, r.article_id DESC, r.user_id DESC LIMIT $2 OFFSET $3"#,
        pattern,
        PAGE_SIZE,
        offset(page),
    )
    .fetch_all(pool)
    .await?;
    Ok(Paged::new(rows, page, total))
}

pub async fn groups(pool: &PgPool) -> Result<GroupsPage, AppError> {
    let groups = sqlx::query!(
        r#"SELECT g.id, g.name, g.description,
                  (SELECT count(*) FROM user_groups ug WHERE ug.group_id = g.id) AS "members!",
                  ARRAY(SELECT p.codename FROM group_permissions gp JOIN permissions p ON p.id = gp.permission_id
                        WHERE gp.group_id = g.id ORDER BY p.codename) AS "permissions!"
           FROM groups g ORDER BY g.name"#
    )
    .fetch_all(pool)
    .await?;
    let permissions = sqlx::query_as!(
        PermissionView,
        "SELECT codename, description FROM permissions ORDER BY codename"
    )
    .fetch_all(pool)
    .await?;
    Ok(GroupsPage {
        groups: groups
            .into_iter()
            .map(|g| GroupView {
                id: g.id,
                description: g.description,
                members: g.members,
                permissions: g.permissions,
                built_in: commands::is_built_in(&g.name),
                name: g.name,
            })
            .collect(),
        permissions,
    })
}

pub async fn articles(
    pool: &PgPool,
    query: &str,
    page: i64,
) -> Result<Paged<AdminArticle>, AppError> {
    let pattern = like_pattern(query);
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM articles WHERE title ILIKE $1 OR author_names ILIKE $1"#,
        pattern
    )
    .fetch_one(pool)
    .await?;
    let rows = sqlx::query_as!(
        AdminArticle,
        r#"SELECT id, slug, title, author_names AS authors, status = 'published' AS "published!",
                  to_char(updated_at, 'FMDD Mon YYYY') AS "updated!", comment_count AS comments
           FROM articles WHERE title ILIKE $1 OR author_names ILIKE $1
           ORDER BY updated_at DESC, id DESC LIMIT $2 OFFSET $3"#,
        pattern,
        PAGE_SIZE,
        offset(page),
    )
    .fetch_all(pool)
    .await?;
    Ok(Paged::new(rows, page, total))
}

pub async fn comments(pool: &PgPool, page: i64) -> Result<Paged<AdminComment>, AppError> {
    let total =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM comments WHERE deleted_at IS NULL"#)
            .fetch_one(pool)
            .await?;
    let rows = sqlx::query!(
        r#"SELECT c.id, a.slug, a.title, coalesce(u.username, '[gone]') AS "author!",
                  left(c.body_md, 160) AS "excerpt!", c.hidden_at IS NOT NULL AS "hidden!",
                  to_char(c.created_at, 'FMDD Mon YYYY HH24:MI') AS "created!"
           FROM comments c JOIN articles a ON a.id = c.article_id
           LEFT JOIN users u ON u.id = c.author_id
           WHERE c.deleted_at IS NULL
           ORDER BY c.created_at DESC, c.id DESC LIMIT $1 OFFSET $2"#,
        PAGE_SIZE,
        offset(page),
    )
    .fetch_all(pool)
    .await?;
    Ok(Paged::new(
        rows.into_iter()
            .map(|r| AdminComment {
                id: r.id,
                article_slug: r.slug,
                article_title: r.title,
                author: r.author,
                excerpt: r.excerpt,
                created: r.created,
                hidden: r.hidden,
            })
            .collect(),
        page,
        total,
    ))
}

pub async fn audit_page(pool: &PgPool, page: i64) -> Result<Paged<AuditEntry>, AppError> {
    let total = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM audit_log"#)
        .fetch_one(pool)
        .await?;
    let rows = sqlx::query!(
        r#"SELECT to_char(created_at, 'YYYY-MM-DD HH24:MI:SS') AS "when!", actor_username, action,
                  target_kind, target_id, target_label, detail
           FROM audit_log ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2"#,
        PAGE_SIZE,
        offset(page),
    )
    .fetch_all(pool)
    .await?;
    Ok(Paged::new(
        rows.into_iter()
            .map(|r| AuditEntry {
                when: r.when,
                actor: r.actor_username,
                action: r.action,
                target: if r.target_label.is_empty() {
                    format!("{} #{}", r.target_kind, r.target_id)
                } else {
                    format!("{} {}", r.target_kind, r.target_label)
                },
                detail: r.detail,
            })
            .collect(),
        page,
        total,
    ))
}
