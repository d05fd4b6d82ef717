//! Server-only engagement logic: who may rate and comment, input rules, queries.

pub mod comments;
pub mod discussion;
pub mod favorites;
pub mod flat_comments;
pub mod notify;
pub mod ratings;

use crate::accounts::server::Actor;
use crate::accounts::Permission;
use crate::engagement::model::{
    Access, CardRatings, Engagement, RatingSummary, ThreadPage, Viewer, MAX_COMMENT_CHARS,
    MAX_STARS, MIN_STARS, THREAD_PAGE_SIZE,
};
use crate::error::AppError;
use sqlx::PgPool;

/// May this reader rate an article written by `author_ids`?
pub fn rating_access(actor: &Actor, author_ids: &[i64]) -> Access {
    match actor.id() {
        None => Access::Anonymous,
        Some(id) if author_ids.contains(&id) => Access::OwnArticle,
        Some(_) => permission(actor, Permission::RateArticle),
    }
}

/// Allowed if the actor holds `permission` and (when the site requires it) has confirmed
/// their e-mail address.
fn permission(actor: &Actor, permission: Permission) -> Access {
    let must_verify = actor.must_verify;
    match &actor.user {
        None => Access::Anonymous,
        Some(_) if !actor.can(permission) => Access::NotPermitted,
        // Staff moderate whatever the state of their address.
        Some(user) if must_verify && !user.email_verified && !user.is_staff => Access::Unverified,
        Some(_) => Access::Allowed,
    }
}

/// The user, if they may act with `permission` now: 401 anonymous, 403 without the
/// permission, a clear message (on `field`) while their address is unconfirmed.
pub fn require_allowed<'a>(
    actor: &'a Actor,
    permission_name: Permission,
    field: &str,
) -> Result<&'a crate::accounts::server::User, AppError> {
    match permission(actor, permission_name) {
        Access::Unverified => Err(AppError::invalid(
            field,
            "Please confirm your e-mail address first: use the link we sent you, or ask for a new one on your account page.",
        )),
        _ => actor.require(permission_name),
    }
}

/// The star controls of a list of story cards, as this reader may use them.
pub async fn card_ratings(
    pool: &PgPool,
    actor: &Actor,
    cards: &[crate::articles::model::ArticleCard],
) -> Result<CardRatings, AppError> {
    let Some(user) = &actor.user else {
        return Ok(CardRatings::default());
    };
    let slugs: Vec<String> = cards.iter().map(|c| c.slug.clone()).collect();
    let mine = ratings::own_ratings_by_slug(pool, user.id, &slugs)
        .await?
        .into_iter()
        .filter_map(|(slug, stars)| u8::try_from(stars).ok().map(|s| (slug, s)))
        .collect();
    Ok(CardRatings {
        access: permission(actor, Permission::RateArticle),
        username: Some(user.username.clone()),
        mine,
    })
}

pub fn viewer(actor: &Actor) -> Viewer {
    Viewer {
        user_id: actor.id(),
        comment: permission(actor, Permission::Comment),
        moderate: actor.can(Permission::ModerateComments),
    }
}

/// "1".."5" → stars; anything else is a clear field error.
pub fn parse_stars(raw: &str) -> Result<i16, AppError> {
    match raw.trim().parse::<u8>() {
        Ok(stars) if (MIN_STARS..=MAX_STARS).contains(&stars) => Ok(i16::from(stars)),
        _ => Err(AppError::invalid(
            "stars",
            format!("Choose a rating from {MIN_STARS} to {MAX_STARS} stars."),
        )),
    }
}

/// Trims a comment and checks its length; the error names the field `body`.
pub fn check_comment(raw: &str) -> Result<String, AppError> {
    let body = raw.trim();
    if body.is_empty() {
        return Err(AppError::invalid("body", "Write something before posting."));
    }
    let chars = body.chars().count();
    if chars > MAX_COMMENT_CHARS {
        return Err(AppError::invalid(
            "body",
            format!("Comments can be up to {MAX_COMMENT_CHARS} characters; this one has {chars}."),
        ));
    }
    Ok(body.to_owned())
}

/// A rating summary from the article's aggregate and the viewer's own rating.
pub fn summary(sum: i64, count: i64, mine: Option<i16>) -> RatingSummary {
    RatingSummary {
        sum,
        count,
        mine: mine.and_then(|s| u8::try_from(s).ok()),
    }
}

/// One page of an article's thread, as `viewer` may see it.
pub async fn thread_page(
    pool: &PgPool,
    article_id: i64,
    after: &str,
    viewer: &Viewer,
) -> Result<ThreadPage, AppError> {
    let mut rows = comments::thread(pool, article_id, after, THREAD_PAGE_SIZE + 1).await?;
    let more = rows.len() as i64 > THREAD_PAGE_SIZE;
    rows.truncate(THREAD_PAGE_SIZE as usize);
    let next_after = more.then(|| rows.last().map(|r| r.path.clone())).flatten();
    let remaining = match &next_after {
        Some(last) => comments::count_after(pool, article_id, last).await?,
        None => 0,
    };
    Ok(ThreadPage {
        comments: rows
            .into_iter()
            .map(|row| row.into_view(viewer.moderate))
            .collect(),
        next_after,
        remaining,
    })
}

/// Everything the article page shows about ratings and comments, for the current reader.
pub async fn for_article(
    pool: &PgPool,
    actor: &Actor,
    article: &crate::articles::server::repo::ArticleRow,
) -> Result<Engagement, AppError> {
    let viewer = viewer(actor);
    let own = match actor.id() {
        Some(user_id) => ratings::own_rating(pool, article.id, user_id).await?,
        None => None,
    };
    let thread = thread_page(pool, article.id, "", &viewer).await?;
    Ok(Engagement {
        rating: summary(article.rating_sum, article.rating_count, own),
        rating_access: rating_access(actor, &article.author_ids),
        viewer,
        thread,
        comment_count: article.comment_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_must_be_one_to_five() {
        assert_eq!(parse_stars("1").ok(), Some(1));
        assert_eq!(parse_stars(" 5 ").ok(), Some(5));
        for bad in ["0", "6", "abc", "", "-1", "4.5", "300"] {
            assert!(
                matches!(parse_stars(bad), Err(AppError::Invalid(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn comments_are_trimmed_and_bounded() {
        assert_eq!(check_comment("  hi  ").ok().as_deref(), Some("hi"));
        assert!(check_comment(" \n ").is_err());
        assert!(check_comment(&"é".repeat(MAX_COMMENT_CHARS)).is_ok());
        assert!(check_comment(&"a".repeat(MAX_COMMENT_CHARS + 1)).is_err());
    }
}
