//! Saving an article: the rules and the writes shared by the editor and the JSON API.

use super::{check_cover, parse_tag_names, render, repo, unique_slug, Actor};
use super::{MAX_BODY_BYTES, MAX_SUMMARY, MAX_TITLE};
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

pub struct ArticleInput<'a> {
    /// `None` creates a new article owned by the actor.
    pub id: Option<i64>,
    pub title: &'a str,
    pub summary: &'a str,
    pub body: &'a str,
    pub tag_names: Vec<&'a str>,
    pub cover_image: &'a str,
    pub cover_alt: &'a str,
    pub publish: bool,
}

pub struct Saved {
    pub id: i64,
    pub slug: String,
}

/// Checks permissions (write, publish, edit this article) and the content rules, then saves
/// content, slug and tags in one transaction. Nothing is written when anything is refused.
pub async fn save(
    state: &AppState,
    actor: &Actor,
    input: ArticleInput<'_>,
) -> Result<Saved, AppError> {
    let user = actor.require("article.create")?.clone();
    if input.publish && !actor.can("article.publish") {
        return Err(AppError::Forbidden);
    }
    if let Some(id) = input.id {
        let ownership = repo::ownership(&state.pool, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !actor.can_edit(&ownership.author_ids) {
            return Err(AppError::Forbidden);
        }
    }

    let title = input.title.trim();
    let summary = input.summary.trim();
    let cover_image = input.cover_image.trim();
    let cover_alt = input.cover_alt.trim();
    let body = input.body;
    let mut errors = FieldErrors::new();
    if title.is_empty() {
        errors.add("title", "Give your story a title.");
    } else if title.chars().count() > MAX_TITLE {
        errors.add(
            "title",
            format!("Keep the title under {MAX_TITLE} characters."),
        );
    }
    if summary.chars().count() > MAX_SUMMARY {
        errors.add(
            "summary",
            format!("Keep the summary under {MAX_SUMMARY} characters."),
        );
    }
    if body.len() > MAX_BODY_BYTES {
        errors.add(
            "body",
            format!(
                "The story is too long: the limit is {} KB of text.",
                MAX_BODY_BYTES / 1000
            ),
        );
    } else if input.publish && body.trim().is_empty() {
        errors.add("body", "Write something before publishing.");
    }
    let tags = parse_tag_names(input.tag_names.into_iter(), &mut errors);
    check_cover(cover_image, cover_alt, &mut errors);
    errors.into_result()?;

    let rendered = render::render_article(body);
    let content = repo::NewContent {
        title,
        summary,
        body_md: body,
        body_html: &rendered.html,
        toc: &rendered.toc,
        reading_minutes: rendered.reading_minutes,
        cover_image: (!cover_image.is_empty()).then_some(cover_image),
        cover_alt,
        publish: input.publish,
    };
    let slug = unique_slug(&state.pool, title, input.id).await?;
    let mut tx = state.pool.begin().await?;
    let article_id = match input.id {
        Some(id) => {
            repo::update(&mut tx, id, &slug, &content, Some(input.publish)).await?;
            id
        }
        None => repo::insert(&mut tx, user.id, &slug, &content)
            .await
            .map_err(|e| {
                if crate::db::is_unique_violation(&e, "articles_slug_key") {
                    AppError::conflict("title", "Another story just took this address. Save again.")
                } else {
                    e.into()
                }
            })?,
    };
    repo::set_tags(&mut tx, article_id, &tags).await?;
    repo::refresh_author_names(&mut *tx, &[article_id]).await?;
    tx.commit().await?;
    tracing::info!(
        article_id,
        user_id = user.id,
        publish = input.publish,
        "article saved"
    );
    crate::cache::invalidate(state).await;
    Ok(Saved {
        id: article_id,
        slug,
    })
}
