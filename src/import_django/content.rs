//! Posts (CKEditor HTML → Markdown), ratings and MPTT comment trees.

use super::{media_url, read, remember, row_error, ImportError, ImportOptions, Summary, Table};
use crate::articles::server::render::{render_article, render_comment};
use crate::engagement::server::comments::path_segment;
use sqlx::{PgPool, Postgres, Row, Transaction};
use std::collections::HashMap;
use time::OffsetDateTime;

/// CKEditor 5 HTML → Markdown. Embeds become links (their iframes would be stripped anyway);
/// the sanitizer still runs when the Markdown is rendered.
pub fn ckeditor_to_markdown(html: &str) -> String {
    let mut html = html.replace('\u{a0}', " ");
    // <oembed url="…"></oembed> (media embeds) → a plain link.
    while let Some(start) = html.find("<oembed") {
        let Some(end) = html[start..]
            .find("</oembed>")
            .map(|e| start + e + "</oembed>".len())
        else {
            break;
        };
        let tag = &html[start..end];
        let url = tag
            .split("url=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned();
        let link = if url.starts_with("https://") || url.starts_with("http://") {
            format!("<a href=\"{url}\">{url}</a>")
        } else {
            String::new()
        };
        html.replace_range(start..end, &link);
    }
    // Hostile markup (scripts, handlers, javascript: links) goes before conversion, so it is
    // not even kept in the Markdown source; the renderer's sanitizer runs again on display.
    let html = ammonia::clean(&html);
    let converter = htmd::HtmlToMarkdown::builder()
        .skip_tags(vec!["script", "style", "iframe", "object", "embed", "form"])
        .build();
    converter
        .convert(&html)
        .unwrap_or_else(|_| crate::text::escape_markup(&html))
}

pub(super) async fn import_posts(
    source: &PgPool,
    tx: &mut Transaction<'_, Postgres>,
    options: &ImportOptions,
    users: &HashMap<i64, i64>,
    summary: &mut Summary,
    media: &mut Vec<String>,
) -> Result<HashMap<i64, i64>, ImportError> {
    let (table, mut map) = Table::read(
        source,
        tx,
        options,
        ("blogapp_blogpost", "post", "posts"),
        r#"SELECT p.id, p.title, p.subtitle, p.date_written, p.body, coalesce(p.image, '') AS image,
                  ARRAY(SELECT a.myuser_id FROM blogapp_blogpost_authors a
                        WHERE a.blogpost_id = p.id ORDER BY a.id) AS authors
           FROM blogapp_blogpost p ORDER BY p.id"#,
    )
    .await?;
    for (id, row) in table.new_rows(&map, &mut summary.posts)? {
        table.tick();
        let r = table.error();
        let title: String = row.try_get("title").map_err(&r)?;
        let subtitle: String = row.try_get("subtitle").map_err(&r)?;
        let written: OffsetDateTime = row.try_get("date_written").map_err(&r)?;
        let body: String = row.try_get("body").map_err(&r)?;
        let image: String = row.try_get("image").map_err(&r)?;
        let legacy_authors: Vec<i64> = row.try_get("authors").map_err(&r)?;
        let authors: Vec<i64> = legacy_authors
            .iter()
            .filter_map(|a| users.get(a).copied())
            .collect();
        let Some(&owner) = authors.first() else {
            summary.posts.skipped += 1;
            summary.notes.push(format!(
                "post {id} ({title:?}) not imported: none of its authors was imported"
            ));
            continue;
        };
        let markdown = ckeditor_to_markdown(&body);
        // Inline images keep their /media/… addresses; remember them for the copy.
        for part in markdown.split("](/media/").skip(1) {
            if let Some(path) = part.split([')', ' ', '"']).next() {
                media.push(path.to_owned());
            }
        }
        let rendered = render_article(&markdown);
        let slug = free_slug(tx, &title).await?;
        let cover = media_url(&image, media);
        let cover_alt = if cover.is_some() {
            title.clone()
        } else {
            String::new()
        };
        let new_id = sqlx::query_scalar!(
            r#"INSERT INTO articles (slug, title, summary, body_md, body_html, toc, reading_minutes,
                                     cover_image, cover_alt, status, published_at, owner_id,
                                     created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'published', $10, $11, $10, $10)
               RETURNING id"#,
            slug,
            title.trim(),
            subtitle.trim(),
            markdown,
            rendered.html,
            sqlx::types::Json(&rendered.toc) as _,
            rendered.reading_minutes,
            cover,
            cover_alt,
            written,
            owner,
        )
        .fetch_one(&mut **tx)
        .await
        .map_err(row_error("blogapp_blogpost", id))?;
        for (position, author) in authors.iter().enumerate() {
            sqlx::query!(
                "INSERT INTO article_authors (article_id, user_id, position) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                new_id,
                author,
                position as i32
            )
            .execute(&mut **tx)
            .await
            .map_err(row_error("blogapp_blogpost_authors", id))?;
        }
        crate::articles::server::repo::refresh_author_names(&mut **tx, &[new_id]).await?;
        remember(tx, "post", id, new_id).await?;
        map.insert(id, new_id);
        if authors.len() < legacy_authors.len() {
            summary.posts.fixed += 1;
        } else {
            summary.posts.imported += 1;
        }
    }
    table.finish();
    Ok(map)
}

async fn free_slug(tx: &mut Transaction<'_, Postgres>, title: &str) -> Result<String, sqlx::Error> {
    let mut base = slug::slugify(title);
    base.truncate(80);
    let base = match base.trim_end_matches('-') {
        "" => "story".to_owned(),
        b => b.to_owned(),
    };
    let mut candidate = base.clone();
    for n in 2..10_000 {
        if !crate::articles::server::repo::slug_taken(tx, &candidate, None).await? {
            break;
        }
        candidate = format!("{base}-{n}");
    }
    Ok(candidate)
}

pub(super) async fn import_ratings(
    source: &PgPool,
    tx: &mut Transaction<'_, Postgres>,
    options: &ImportOptions,
    users: &HashMap<i64, i64>,
    posts: &HashMap<i64, i64>,
    summary: &mut Summary,
) -> Result<(), ImportError> {
    // One rating per user and post: the latest (highest id) of each pair.
    let (table, done) = Table::read(
        source,
        tx,
        options,
        ("blogapp_rating", "rating", "ratings"),
        "SELECT DISTINCT ON (post_id, user_id) id, rating, post_id, user_id
         FROM blogapp_rating ORDER BY post_id, user_id, id DESC",
    )
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM blogapp_rating")
        .fetch_one(source)
        .await
        .map_err(read("blogapp_rating"))?;
    let mut touched = Vec::new();
    for (id, row) in table.new_rows(&done, &mut summary.ratings)? {
        table.tick();
        let r = table.error();
        let stars: i32 = row.try_get("rating").map_err(&r)?;
        let (Some(&article_id), Some(&user_id)) = (
            posts.get(&row.try_get::<i64, _>("post_id").map_err(&r)?),
            users.get(&row.try_get::<i64, _>("user_id").map_err(&r)?),
        ) else {
            summary.ratings.skipped += 1;
            continue;
        };
        if !(1..=5).contains(&stars) {
            return Err(ImportError::Row {
                table: "blogapp_rating",
                id,
                reason: format!("{stars} stars is outside 1–5"),
            });
        }
        sqlx::query!(
            "INSERT INTO ratings (article_id, user_id, stars) VALUES ($1, $2, $3)
             ON CONFLICT (article_id, user_id) DO UPDATE SET stars = EXCLUDED.stars",
            article_id,
            user_id,
            stars as i16
        )
        .execute(&mut **tx)
        .await
        .map_err(row_error("blogapp_rating", id))?;
        remember(tx, "rating", id, article_id).await?;
        touched.push(article_id);
        summary.ratings.imported += 1;
    }
    table.finish();
    if done.is_empty() {
        summary.duplicate_ratings_dropped = (total as u64).saturating_sub(table.len() as u64);
        summary.ratings.fixed = summary.duplicate_ratings_dropped;
    }
    // Aggregates from the rows themselves: exact whatever was there before.
    sqlx::query!(
        r#"UPDATE articles a SET rating_sum = coalesce((SELECT sum(stars) FROM ratings r WHERE r.article_id = a.id), 0),
                                 rating_count = (SELECT count(*) FROM ratings r WHERE r.article_id = a.id)
           WHERE a.id = ANY($1)"#,
        &touched
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn import_comments(
    source: &PgPool,
    tx: &mut Transaction<'_, Postgres>,
    options: &ImportOptions,
    users: &HashMap<i64, i64>,
    posts: &HashMap<i64, i64>,
    summary: &mut Summary,
) -> Result<(), ImportError> {
    // MPTT order (tree, then left value): every parent comes before its replies, and
    // siblings in the order the tree keeps them.
    let (table, mut map) = Table::read(
        source,
        tx,
        options,
        ("blogapp_comment", "comment", "comments"),
        "SELECT id, text, date_created, active, parent_id, parent_post_id, author_myuser_id
         FROM blogapp_comment ORDER BY tree_id, lft",
    )
    .await?;
    let mut touched = Vec::new();
    for (id, row) in table.new_rows(&map, &mut summary.comments)? {
        table.tick();
        let r = table.error();
        let post: i64 = row.try_get("parent_post_id").map_err(&r)?;
        let Some(&article_id) = posts.get(&post) else {
            summary.comments.skipped += 1;
            continue;
        };
        let author = users
            .get(&row.try_get::<i64, _>("author_myuser_id").map_err(&r)?)
            .copied();
        let parent: Option<i64> = row.try_get("parent_id").map_err(&r)?;
        let (parent_id, parent_path, depth) = match parent {
            None => (None, String::new(), 0),
            Some(legacy_parent) => {
                let Some(&parent_id) = map.get(&legacy_parent) else {
                    return Err(ImportError::Row {
                        table: "blogapp_comment",
                        id,
                        reason: format!("its parent {legacy_parent} was not imported before it"),
                    });
                };
                let parent =
                    sqlx::query!("SELECT path, depth FROM comments WHERE id = $1", parent_id)
                        .fetch_one(&mut **tx)
                        .await?;
                (Some(parent_id), parent.path, parent.depth + 1)
            }
        };
        let text: String = row.try_get("text").map_err(&r)?;
        let text: String = text.trim().chars().take(10_000).collect();
        let created: OffsetDateTime = row.try_get("date_created").map_err(&r)?;
        let active: bool = row.try_get("active").map_err(&r)?;
        let new_id = sqlx::query_scalar!(
            r#"SELECT nextval(pg_get_serial_sequence('comments', 'id')) AS "id!""#
        )
        .fetch_one(&mut **tx)
        .await?;
        let path = format!("{parent_path}{}", path_segment(new_id));
        // Django's text is plain: shown as typed (no Markdown), line breaks kept.
        let html = render_comment(&escape_markdown(&text));
        sqlx::query!(
            r#"INSERT INTO comments (id, article_id, parent_id, author_id, path, depth, body_md,
                                     body_html, created_at, hidden_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz,
                       CASE WHEN $10 THEN NULL ELSE $9::timestamptz END)"#,
            new_id,
            article_id,
            parent_id,
            author,
            path,
            depth,
            text,
            html,
            created,
            active,
        )
        .execute(&mut **tx)
        .await
        .map_err(row_error("blogapp_comment", id))?;
        remember(tx, "comment", id, new_id).await?;
        map.insert(id, new_id);
        touched.push(article_id);
        summary.comments.imported += 1;
    }
    table.finish();
    sqlx::query!(
        r#"UPDATE articles a SET comment_count = (SELECT count(*) FROM comments c
                 WHERE c.article_id = a.id AND c.deleted_at IS NULL AND c.hidden_at IS NULL)
           WHERE a.id = ANY($1)"#,
        &touched
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Plain text → Markdown that renders as that text: punctuation Markdown would act on is
/// escaped, and each line break stays a line break.
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push_str("  \n");
        }
        for c in line.chars() {
            if "\\`*_{}[]()#+-.!<>|~".contains(c) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ckeditor_markup_becomes_markdown() {
        let md = ckeditor_to_markdown(
            "<h2>Souks</h2><p>Mint tea&nbsp;at <strong>dusk</strong> — 5\u{a0}€.</p>\
             <figure class=\"image\"><img src=\"/media/uploads/images/souk.jpg\" alt=\"Lanterns\" width=\"800\"><figcaption>Lanterns</figcaption></figure>\
             <ul><li>one</li><li>two</li></ul><blockquote><p>Quote</p></blockquote>\
             <figure class=\"media\"><oembed url=\"https://www.youtube.com/watch?v=abc\"></oembed></figure>\
             <script>alert(1)</script><a href=\"javascript:alert(2)\">map</a><img src=x onerror=alert(3)>",
        );
        assert!(!md.contains("javascript:"), "{md}");
        assert!(!md.contains("onerror"), "{md}");
        assert!(md.contains("## Souks"), "{md}");
        assert!(md.contains("**dusk**"));
        assert!(
            md.contains("![Lanterns](/media/uploads/images/souk.jpg)"),
            "{md}"
        );
        assert!(md.contains("one") && md.contains("two"));
        assert!(md.contains("> Quote"), "{md}");
        assert!(md.contains("https://www.youtube.com/watch?v=abc"));
        assert!(!md.contains("alert(1)"), "scripts are dropped: {md}");
    }

    #[test]
    fn plain_text_comments_stay_plain() {
        assert_eq!(
            escape_markdown("I <3 *this*\nreally"),
            "I \\<3 \\*this\\*  \nreally"
        );
    }
}
