//! Article queries: one story (read, write, authors, slugs); the lists are in [`lists`],
//! search in [`search`].

pub mod api_view;
mod lists;
mod search;

pub use lists::*;
pub use search::*;

use crate::articles::model::{AuthorRef, TagRef, TocEntry};
use crate::error::AppError;
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, Transaction};
pub struct ArticleRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_md: String,
    pub body_html: String,
    pub toc: Json<Vec<TocEntry>>,
    pub reading_minutes: i32,
    pub cover_image: Option<String>,
    pub cover_alt: String,
    pub status: String,
    pub published_on: Option<String>,
    pub published_iso: Option<String>,
    pub owner_id: i64,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub comment_count: i64,
    pub favorite_count: i64,
    pub authors: Json<Vec<AuthorRef>>,
    pub author_ids: Vec<i64>,
    pub tags: Json<Vec<TagRef>>,
}

pub async fn by_slug(pool: &PgPool, slug: &str) -> Result<Option<ArticleRow>, sqlx::Error> {
    sqlx::query_as!(
        ArticleRow,
        r#"SELECT a.id, a.slug, a.title, a.summary, a.body_md, a.body_html,
                  a.toc AS "toc!: Json<Vec<TocEntry>>", a.reading_minutes, a.cover_image, a.cover_alt, a.status,
                  to_char(a.published_at AT TIME ZONE 'UTC', 'FMDD FMMonth YYYY') AS published_on,
                  to_char(a.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS published_iso,
                  a.owner_id, a.rating_sum, a.rating_count, a.comment_count, a.favorite_count,
                  a.authors AS "authors!: Json<Vec<AuthorRef>>",
                  array(SELECT aa.user_id FROM article_authors aa WHERE aa.article_id = a.id ORDER BY aa.position) AS "author_ids!",
                  (SELECT coalesce(json_agg(json_build_object('slug', t.slug, 'name', t.name) ORDER BY t.name), '[]')
                     FROM article_tags at JOIN tags t ON t.id = at.tag_id
                    WHERE at.article_id = a.id) AS "tags!: Json<Vec<TagRef>>"
           FROM articles a WHERE a.slug = $1"#,
        slug,
    )
    .fetch_optional(pool)
    .await
}

/// The article that used to be at `old_slug`, as it is now.
pub async fn renamed_to(pool: &PgPool, old_slug: &str) -> Result<Option<Ownership>, sqlx::Error> {
    sqlx::query_as!(
        Ownership,
        r#"SELECT a.id, a.owner_id, a.slug, a.status, a.title,
                  array(SELECT user_id FROM article_authors WHERE article_id = a.id) AS "author_ids!"
           FROM article_slug_history h JOIN articles a ON a.id = h.article_id WHERE h.slug = $1"#,
        old_slug,
    )
    .fetch_optional(pool)
    .await
}

pub async fn slug_taken(
    tx: &mut Transaction<'_, Postgres>,
    slug: &str,
    except: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM articles WHERE slug = $1 AND id IS DISTINCT FROM $2)
               OR EXISTS (SELECT 1 FROM article_slug_history WHERE slug = $1 AND article_id IS DISTINCT FROM $2)
           AS "taken!""#,
        slug,
        except,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(taken)
}

pub struct NewContent<'a> {
    pub title: &'a str,
    pub summary: &'a str,
    pub body_md: &'a str,
    pub body_html: &'a str,
    pub toc: &'a [TocEntry],
    pub reading_minutes: i32,
    pub cover_image: Option<&'a str>,
    pub cover_alt: &'a str,
    pub publish: bool,
}

pub async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    owner_id: i64,
    slug: &str,
    content: &NewContent<'_>,
) -> Result<i64, sqlx::Error> {
    let id = sqlx::query_scalar!(
        r#"INSERT INTO articles (slug, title, summary, body_md, body_html, toc, reading_minutes,
                                 cover_image, cover_alt, status, published_at, owner_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                   CASE WHEN $10 THEN 'published' ELSE 'draft' END,
                   CASE WHEN $10 THEN now() END, $11)
           RETURNING id"#,
        slug,
        content.title,
        content.summary,
        content.body_md,
        content.body_html,
        Json(content.toc) as _,
        content.reading_minutes,
        content.cover_image,
        content.cover_alt,
        content.publish,
        owner_id,
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query!(
        "INSERT INTO article_authors (article_id, user_id, position) VALUES ($1, $2, 0)",
        id,
        owner_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Updates content; `publish` = Some(true) publishes (keeping the first publication date),
/// Some(false) returns it to draft, None leaves the status alone.
pub async fn update(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    slug: &str,
    content: &NewContent<'_>,
    publish: Option<bool>,
) -> Result<(), sqlx::Error> {
    let old_slug = sqlx::query_scalar!("SELECT slug FROM articles WHERE id = $1 FOR UPDATE", id)
        .fetch_one(&mut **tx)
        .await?;
    if old_slug != slug {
        sqlx::query!(
            r#"INSERT INTO article_slug_history (slug, article_id) VALUES ($1, $2)
               ON CONFLICT (slug) DO UPDATE SET article_id = EXCLUDED.article_id"#,
            old_slug,
            id
        )
        .execute(&mut **tx)
        .await?;
        sqlx::query!("DELETE FROM article_slug_history WHERE slug = $1", slug)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query!(
        r#"UPDATE articles SET
               slug = $2, title = $3, summary = $4, body_md = $5, body_html = $6, toc = $7,
               reading_minutes = $8, cover_image = $9, cover_alt = $10,
               status = CASE WHEN $11::bool IS NULL THEN status WHEN $11 THEN 'published' ELSE 'draft' END,
               published_at = CASE WHEN $11 THEN coalesce(published_at, now()) ELSE published_at END,
               updated_at = now()
           WHERE id = $1"#,
        id,
        slug,
        content.title,
        content.summary,
        content.body_md,
        content.body_html,
        Json(content.toc) as _,
        content.reading_minutes,
        content.cover_image,
        content.cover_alt,
        publish,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces an article's tags (creating new ones).
pub async fn set_tags(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    tags: &[TagRef],
) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM article_tags WHERE article_id = $1", id)
        .execute(&mut **tx)
        .await?;
    let slugs: Vec<String> = tags.iter().map(|t| t.slug.clone()).collect();
    let names: Vec<String> = tags.iter().map(|t| t.name.clone()).collect();
    sqlx::query!(
        r#"INSERT INTO tags (slug, name) SELECT * FROM unnest($1::text[], $2::text[])
           ON CONFLICT (slug) DO NOTHING"#,
        &slugs,
        &names
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        r#"INSERT INTO article_tags (article_id, tag_id) SELECT $1, id FROM tags WHERE slug = ANY($2)
           ON CONFLICT DO NOTHING"#,
        id,
        &slugs
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Recomputes the denormalized byline, sort key and searchable names of the given articles,
/// and adds the words of the published ones' titles and names to the search lexicon (typo
/// correction). Every save, co-author change, rename, seed and import comes through here.
pub async fn refresh_author_names<'e, E>(
    executor: E,
    article_ids: &[i64],
) -> Result<(), sqlx::Error>
where
    E: sqlx::PgExecutor<'e>,
{
    sqlx::query!(
        r#"WITH refreshed AS (
           UPDATE articles a SET
               sort_author = coalesce((SELECT coalesce(nullif(p.display_name, ''), u.username)
                                         FROM article_authors aa JOIN users u ON u.id = aa.user_id
                                         JOIN profiles p ON p.user_id = u.id
                                        WHERE aa.article_id = a.id ORDER BY aa.position LIMIT 1), ''),
               author_names = coalesce((SELECT string_agg(coalesce(nullif(p.display_name, ''), u.username) || ' ' || u.username, ' ')
                                          FROM article_authors aa JOIN users u ON u.id = aa.user_id
                                          JOIN profiles p ON p.user_id = u.id
                                         WHERE aa.article_id = a.id), ''),
               authors = coalesce((SELECT json_agg(json_build_object(
                                              'username', u.username,
                                              'name', coalesce(nullif(p.display_name, ''), u.username)) ORDER BY aa.position)
                                     FROM article_authors aa JOIN users u ON u.id = aa.user_id
                                     JOIN profiles p ON p.user_id = u.id
                                    WHERE aa.article_id = a.id), '[]')
           WHERE a.id = ANY($1)
           RETURNING a.title, a.author_names, a.place_names, a.status)
           INSERT INTO search_words (word)
           SELECT DISTINCT lower(w)
           FROM refreshed r, regexp_split_to_table(r.title || ' ' || r.author_names || ' ' || r.place_names, '[^[:alnum:]]+') AS w
           WHERE r.status = 'published' AND length(lower(w)) BETWEEN 3 AND 40
           ON CONFLICT DO NOTHING"#,
        article_ids
    )
    .execute(executor)
    .await?;
    Ok(())
}

pub async fn article_ids_by_author(pool: &PgPool, user_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT article_id FROM article_authors WHERE user_id = $1",
        user_id
    )
    .fetch_all(pool)
    .await
}

/// Whether the article exists and is published (comments and favourites need both).
pub async fn is_published<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    id: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar!(
        "SELECT status = 'published' FROM articles WHERE id = $1",
        id
    )
    .fetch_optional(executor)
    .await?
    .flatten()
    .unwrap_or(false))
}

pub async fn delete(tx: &mut Transaction<'_, Postgres>, id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query!("DELETE FROM articles WHERE id = $1", id)
        .execute(&mut **tx)
        .await?
        .rows_affected()
        == 1)
}

/// A published article back to draft; false when it wasn't published.
pub async fn unpublish(tx: &mut Transaction<'_, Postgres>, id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query!(
        "UPDATE articles SET status = 'draft', updated_at = now() WHERE id = $1 AND status = 'published'",
        id
    )
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

/// Who owns and signs an article, and whether readers can see it.
pub struct Ownership {
    pub id: i64,
    pub owner_id: i64,
    pub author_ids: Vec<i64>,
    pub slug: String,
    pub status: String,
    pub title: String,
}

impl Ownership {
    pub fn published(&self) -> bool {
        self.status == "published"
    }
}

pub async fn ownership(pool: &PgPool, id: i64) -> Result<Option<Ownership>, sqlx::Error> {
    sqlx::query_as!(
        Ownership,
        r#"SELECT id, owner_id, slug, status, title,
                  array(SELECT user_id FROM article_authors WHERE article_id = a.id) AS "author_ids!"
           FROM articles a WHERE id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
}

pub async fn add_coauthor(
    pool: &PgPool,
    article_id: i64,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let added = sqlx::query!(
        r#"INSERT INTO article_authors (article_id, user_id, position)
           SELECT $1, $2, coalesce(max(position), 0) + 1 FROM article_authors WHERE article_id = $1
           ON CONFLICT DO NOTHING"#,
        article_id,
        user_id
    )
    .execute(pool)
    .await?
    .rows_affected()
        == 1;
    refresh_author_names(pool, &[article_id]).await?;
    Ok(added)
}

pub async fn remove_coauthor(
    pool: &PgPool,
    article_id: i64,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query!(
        r#"DELETE FROM article_authors aa USING articles a
           WHERE aa.article_id = $1 AND aa.user_id = $2 AND a.id = aa.article_id AND a.owner_id <> $2"#,
        article_id,
        user_id
    )
    .execute(pool)
    .await?
    .rows_affected()
        == 1;
    refresh_author_names(pool, &[article_id]).await?;
    Ok(removed)
}

pub fn not_found_unless<T>(value: Option<T>) -> Result<T, AppError> {
    value.ok_or(AppError::NotFound)
}

/// The slug of an article, for refreshing its cached pages.
/// The id of the published story `slug`.
pub async fn published_id(pool: &PgPool, slug: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM articles WHERE slug = $1 AND status = 'published'",
        slug
    )
    .fetch_optional(pool)
    .await
}

pub async fn slug_of(pool: &PgPool, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!("SELECT slug FROM articles WHERE id = $1", id)
        .fetch_optional(pool)
        .await
}

/// The title of an article, for audit rows.
pub async fn title_of(pool: &PgPool, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!("SELECT title FROM articles WHERE id = $1", id)
        .fetch_optional(pool)
        .await
}
