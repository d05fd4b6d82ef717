//! The one command that changes an account's public profile (the account page, the avatar
//! upload and `PUT /api/user` all call it): the rules, the transaction, the bylines of the
//! author's stories and the cached pages that show them.

use super::{repo, Actor, User};
use crate::accounts::rules::{check_display_name, check_username};
use crate::cache::Change;
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

pub const MAX_BIO: usize = 2000;
pub const MAX_WEBSITE: usize = 200;
const MAX_IMAGE_URL: usize = 500;

/// What to change; `None` leaves a field as it is.
#[derive(Default)]
pub struct ProfileChange {
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    /// `@name`, `name` or an x.com profile address; empty clears it.
    pub x_handle: Option<String>,
    /// A web address; empty clears it.
    pub website: Option<String>,
    /// Our own `/media/…` image or an https address; `Some(None)` clears it.
    pub avatar_url: Option<Option<String>>,
    pub notify_comments: Option<bool>,
}

/// Normalises an X handle: accepts `@name`, `name` or an x.com/twitter.com profile URL.
pub fn normalize_x_handle(raw: &str) -> Result<Option<String>, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let without_url = [
        "https://x.com/",
        "https://twitter.com/",
        "x.com/",
        "twitter.com/",
    ]
    .iter()
    .find_map(|prefix| trimmed.strip_prefix(prefix))
    .unwrap_or(trimmed);
    let handle = without_url.trim_start_matches('@').trim_end_matches('/');
    let valid = (1..=15).contains(&handle.len())
        && handle
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(Some(handle.to_owned()))
    } else {
        Err("An X handle has 1–15 letters, digits or underscores, like @waypost.".to_owned())
    }
}

/// Only http(s) links: anything else (e.g. `javascript:`) would be a script in a profile.
pub fn normalize_website(raw: &str) -> Result<Option<String>, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let candidate = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let lower = candidate.to_ascii_lowercase();
    let host_ok = candidate
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or(""))
        .is_some_and(|host| host.contains('.') && !host.contains(' '));
    if (lower.starts_with("https://") || lower.starts_with("http://"))
        && host_ok
        && candidate.len() <= MAX_WEBSITE
        && !candidate.chars().any(char::is_whitespace)
    {
        Ok(Some(candidate))
    } else {
        Err("Enter a web address like https://example.com.".to_owned())
    }
}

/// A picture is our own media (`/media/…` or wherever the storage serves it: `media_base`) or
/// an https address.
fn check_image(url: &str, media_base: &str) -> Result<(), String> {
    let ours = (url.starts_with("/media/")
        || (!media_base.is_empty() && url.starts_with(media_base)))
        && !url.contains("..");
    let external = url.starts_with("https://") && url::Url::parse(url).is_ok();
    if (ours || external) && url.len() <= MAX_IMAGE_URL && !url.contains(['"', '<', '>', ' ']) {
        Ok(())
    } else {
        Err(format!(
            "Use an uploaded picture or an https:// address of at most {MAX_IMAGE_URL} characters."
        ))
    }
}

impl ProfileChange {
    /// Checks and normalises every field given; nothing is written. `media_base` is where
    /// uploaded media are served from (`Storage::url("")`).
    pub fn validated(mut self, media_base: &str) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        if let Some(username) = &mut self.username {
            *username = username.trim().to_owned();
            check_username(username, &mut errors);
        }
        if let Some(name) = &mut self.display_name {
            *name = name.trim().to_owned();
            check_display_name(name, &mut errors);
        }
        if let Some(bio) = &mut self.bio {
            *bio = bio.trim().to_owned();
            if bio.chars().count() > MAX_BIO {
                errors.add("bio", format!("Keep your bio under {MAX_BIO} characters."));
            }
        }
        if let Some(raw) = &mut self.x_handle {
            match normalize_x_handle(raw) {
                Ok(handle) => *raw = handle.unwrap_or_default(),
                Err(message) => errors.add("x_handle", message),
            }
        }
        if let Some(raw) = &mut self.website {
            match normalize_website(raw) {
                Ok(site) => *raw = site.unwrap_or_default(),
                Err(message) => errors.add("website", message),
            }
        }
        if let Some(avatar) = &mut self.avatar_url {
            *avatar = avatar
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_owned);
            if let Some(Err(message)) = avatar.as_deref().map(|url| check_image(url, media_base)) {
                errors.add("image", message);
            }
        }
        errors.into_result()?;
        Ok(self)
    }
}

/// Applies `change` to the actor's own profile. Returns the updated user.
pub async fn update_profile(
    state: &AppState,
    actor: &Actor,
    change: ProfileChange,
) -> Result<User, AppError> {
    let user = actor.signed_in()?;
    let change = change.validated(&state.storage.url(""))?;
    let username = change
        .username
        .filter(|u| !u.is_empty() && *u != user.username);
    let mut tx = state.pool.begin().await?;
    let mut row = repo::profile_row(&mut *tx, user.id).await?;
    let byline_changed = username.is_some()
        || change
            .display_name
            .as_ref()
            .is_some_and(|name| *name != row.display_name);
    if let Some(name) = change.display_name {
        row.display_name = name;
    }
    if let Some(bio) = change.bio {
        row.bio = bio;
    }
    if let Some(handle) = change.x_handle {
        row.x_handle = Some(handle).filter(|h| !h.is_empty());
    }
    if let Some(site) = change.website {
        row.website = Some(site).filter(|s| !s.is_empty());
    }
    if let Some(avatar) = change.avatar_url {
        row.avatar_url = avatar;
    }
    if let Some(notify) = change.notify_comments {
        row.notify_comments = notify;
    }
    if let Some(username) = &username {
        repo::set_username(&mut tx, user.id, username).await?;
    }
    repo::write_profile(&mut tx, user.id, &row).await?;
    let articles = repo::signed_articles(&mut *tx, user.id).await?;
    if byline_changed {
        // Stories carry their authors' names for sorting, search and bylines.
        let ids: Vec<i64> = articles.iter().map(|a| a.id).collect();
        crate::articles::server::repo::refresh_author_names(&mut *tx, &ids).await?;
    }
    tx.commit().await?;
    tracing::info!(user_id = user.id, "profile updated");
    state
        .page_cache
        .invalidate(Change::Author {
            username: user.username.clone(),
            article_slugs: articles.into_iter().map(|a| a.slug).collect(),
        })
        .await;
    if username.is_some() {
        // The old author address is cached under the old name too.
        state.page_cache.invalidate(Change::Everything).await;
    }
    repo::find_by_id(&state.pool, user.id)
        .await?
        .ok_or(AppError::Unauthenticated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_handles() {
        assert_eq!(
            normalize_x_handle("@way_post").unwrap(),
            Some("way_post".into())
        );
        assert_eq!(
            normalize_x_handle("https://x.com/waypost/").unwrap(),
            Some("waypost".into())
        );
        assert_eq!(normalize_x_handle("  ").unwrap(), None);
        assert!(normalize_x_handle("way post").is_err());
        assert!(normalize_x_handle("sixteen_chars_xx").is_err());
    }

    #[test]
    fn websites() {
        assert_eq!(
            normalize_website("example.com").unwrap(),
            Some("https://example.com".into())
        );
        assert!(normalize_website("javascript:alert(1)").is_err());
        assert!(normalize_website("https://exa mple.com").is_err());
    }

    #[test]
    fn images() {
        let base = "http://127.0.0.1:9000/bucket/";
        assert!(check_image("/media/avatars/a.webp", "/media/").is_ok());
        assert!(check_image("https://example.com/a.jpg", "/media/").is_ok());
        assert!(check_image("http://example.com/a.jpg", "/media/").is_err());
        assert!(check_image("http://127.0.0.1:9000/bucket/a.jpg", base).is_ok());
        assert!(check_image("/media/../etc/passwd", "/media/").is_err());
        assert!(check_image("javascript:alert(1)", "/media/").is_err());
    }
}
