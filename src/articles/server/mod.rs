//! Server-only article logic: the commands (`write`), the visibility rule, validation and
//! the repository.

pub mod recent;
pub mod render;
pub mod repo;
pub mod search;
pub mod write;

use crate::accounts::server::Actor;
use crate::articles::model::TagRef;
use crate::error::{AppError, FieldErrors};
use sqlx::PgPool;
use std::collections::HashSet;

pub const MAX_TITLE: usize = 200;
pub const MAX_SUMMARY: usize = 500;
pub const MAX_BODY_BYTES: usize = 200_000;
pub const MAX_TAGS: usize = 8;
pub const MAX_TAG_CHARS: usize = 30;

/// Distinct tags from names ("Peru", " slow travel", "Peru" → two), or errors under `tags`.
pub fn parse_tag_names<'a>(
    names: impl Iterator<Item = &'a str>,
    errors: &mut FieldErrors,
) -> Vec<TagRef> {
    let mut seen = HashSet::new();
    let mut tags = Vec::new();
    for name in names.map(str::trim).filter(|n| !n.is_empty()) {
        if name.chars().count() > MAX_TAG_CHARS {
            errors.add(
                "tags",
                format!("Keep each tag under {MAX_TAG_CHARS} characters."),
            );
            return Vec::new();
        }
        let slug = slug::slugify(name);
        if slug.is_empty() {
            errors.add(
                "tags",
                format!("\"{name}\" can't be used as a tag; use letters or digits."),
            );
            return Vec::new();
        }
        if seen.insert(slug.clone()) {
            tags.push(TagRef {
                slug,
                name: name.to_owned(),
            });
        }
    }
    if tags.len() > MAX_TAGS {
        errors.add("tags", format!("Use at most {MAX_TAGS} tags."));
        return Vec::new();
    }
    tags
}

/// Cover images are our own media or https URLs.
pub fn check_cover(url: &str, alt: &str, errors: &mut FieldErrors) {
    if url.is_empty() {
        return;
    }
    let ok = (url.starts_with("/media/") || url.starts_with("https://"))
        && url.len() <= 500
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>');
    if !ok {
        errors.add(
            "cover_image",
            "Use an uploaded image or an https:// image address.",
        );
    }
    if alt.trim().is_empty() {
        errors.add(
            "cover_alt",
            "Describe the cover image for readers who can't see it.",
        );
    } else if alt.chars().count() > 300 {
        errors.add("cover_alt", "Keep the description under 300 characters.");
    }
}

/// Words that name pages under `/articles/` (or may one day): never a story's slug.
pub const RESERVED_SLUGS: &[&str] = &[
    "new", "edit", "delete", "preview", "drafts", "feed", "search", "tags", "favorite", "comments",
    "api", "admin",
];

/// Readers may see the article: published, or a draft to its authors and staff. Everyone
/// else gets 404, whatever the route (page, editor, comments, old slugs, API): a draft's
/// existence is not confirmed to them.
pub fn may_see(actor: &Actor, article: &repo::Ownership) -> bool {
    article.published() || actor.can_edit(&article.author_ids)
}

/// [`may_see`] for an article id: its ownership, or 404.
pub async fn visible_article_id(
    pool: &PgPool,
    actor: &Actor,
    id: i64,
) -> Result<repo::Ownership, AppError> {
    repo::ownership(pool, id)
        .await?
        .filter(|a| may_see(actor, a))
        .ok_or(AppError::NotFound)
}

/// A readable, unique slug from the title: "Lima at dawn" → "lima-at-dawn", then "-2"…
pub async fn unique_slug(
    pool: &PgPool,
    title: &str,
    except: Option<i64>,
) -> Result<String, AppError> {
    let mut base = slug::slugify(title);
    if base.len() > 80 {
        base.truncate(80);
        base = base.trim_end_matches('-').to_owned();
    }
    if base.is_empty() {
        base = "story".to_owned();
    }
    if RESERVED_SLUGS.contains(&base.as_str()) {
        // "New" → "new-story": the plain word is a page of its own.
        base.push_str("-story");
    }
    let mut tx = pool.begin().await?;
    let mut candidate = base.clone();
    for n in 2..1000 {
        if !repo::slug_taken(&mut tx, &candidate, except).await? {
            return Ok(candidate);
        }
        candidate = format!("{base}-{n}");
    }
    tracing::error!(%base, "no free slug");
    Err(AppError::Internal)
}
