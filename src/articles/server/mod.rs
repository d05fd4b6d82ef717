//! Server-only article logic: validation, permissions and saving.

pub mod recent;
pub mod render;
pub mod repo;
pub mod write;

use crate::accounts::server::{auth_session, User};
use crate::articles::model::TagRef;
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;
use axum_login::AuthzBackend;
use sqlx::PgPool;
use std::collections::HashSet;

pub const MAX_TITLE: usize = 200;
pub const MAX_SUMMARY: usize = 500;
pub const MAX_BODY_BYTES: usize = 200_000;
pub const MAX_TAGS: usize = 8;
pub const MAX_TAG_CHARS: usize = 30;

/// The signed-in user and their permissions (empty for anonymous readers): the one
/// authorization layer, used by the web UI's server functions and by the JSON API alike.
pub struct Actor {
    pub user: Option<User>,
    pub permissions: HashSet<String>,
    /// `REQUIRE_VERIFIED_EMAIL`: rating and commenting wait for a confirmed address.
    pub must_verify: bool,
}

impl Actor {
    /// The user of the current web request (session cookie).
    pub async fn current() -> Result<Self, AppError> {
        let auth = auth_session().await?;
        let must_verify = crate::accounts::server::app_state()
            .map(|state| state.config.require_verified_email)
            .unwrap_or(true);
        Self::with_backend(&auth.backend, auth.user, must_verify).await
    }

    /// A user identified some other way (an API token).
    pub async fn for_user(state: &AppState, user: Option<User>) -> Result<Self, AppError> {
        let backend = crate::accounts::server::Backend::new(state.pool.clone());
        Self::with_backend(&backend, user, state.config.require_verified_email).await
    }

    async fn with_backend(
        backend: &crate::accounts::server::Backend,
        user: Option<User>,
        must_verify: bool,
    ) -> Result<Self, AppError> {
        let permissions = match &user {
            Some(user) => backend.get_all_permissions(user).await?,
            None => HashSet::new(),
        };
        Ok(Actor {
            user,
            permissions,
            must_verify,
        })
    }

    pub fn can(&self, permission: &str) -> bool {
        self.permissions.contains(permission)
    }

    pub fn id(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }

    /// Authors (owner and co-authors) edit; staff moderators edit anything.
    pub fn can_edit(&self, author_ids: &[i64]) -> bool {
        self.id().is_some_and(|id| author_ids.contains(&id)) || self.can("article.moderate")
    }

    /// Only the owner deletes (and manages co-authors); staff moderators too.
    pub fn can_manage(&self, owner_id: i64) -> bool {
        self.id() == Some(owner_id) || self.can("article.moderate")
    }

    /// A comment is deleted by its author or a moderator.
    pub fn can_delete_comment(&self, author_id: Option<i64>) -> bool {
        (self.id().is_some() && self.id() == author_id) || self.can("comment.moderate")
    }

    /// 401 for anonymous, 403 for a signed-in user without the permission.
    pub fn require(&self, permission: &str) -> Result<&User, AppError> {
        let user = self.user.as_ref().ok_or(AppError::Unauthenticated)?;
        if self.can(permission) {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }
}

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
