//! The Django blog's addresses keep working after `waypost import-django`: permanent
//! redirects to the same content here, so bookmarks and search results survive the move.

use crate::error::AppError;
use crate::import_django::legacy_ids;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

/// `/post/<id>/` → `/articles/<slug>` (the imported post's current slug).
async fn post(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.trim_end_matches('/').parse::<i64>() else {
        return AppError::NotFound.into_response();
    };
    let slug = legacy_ids::post_slug(&state.pool, id).await;
    match slug {
        Ok(Some(slug)) => Redirect::permanent(&format!("/articles/{slug}")).into_response(),
        Ok(None) => AppError::NotFound.into_response(),
        Err(error) => AppError::from(error).into_response(),
    }
}

/// `/users/profile/<id>/` → `/authors/<username>`.
async fn profile(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.trim_end_matches('/').parse::<i64>() else {
        return AppError::NotFound.into_response();
    };
    let username = legacy_ids::username(&state.pool, id).await;
    match username {
        Ok(Some(username)) => Redirect::permanent(&format!("/authors/{username}")).into_response(),
        Ok(None) => AppError::NotFound.into_response(),
        Err(error) => AppError::from(error).into_response(),
    }
}

/// The old index's search and author filter (`/?s=…`, `/?a=…`) → `/search?q=…` and
/// `/?author=…` (301), keeping the page number. Every other request passes through.
pub async fn index_queries(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if request.uri().path() == "/" && request.method() == axum::http::Method::GET {
        if let Some(target) = request.uri().query().and_then(new_index_address) {
            // 301, as the old blog's links are GETs that search engines remember.
            return (
                axum::http::StatusCode::MOVED_PERMANENTLY,
                [(axum::http::header::LOCATION, target)],
            )
                .into_response();
        }
    }
    next.run(request).await
}

fn new_index_address(query: &str) -> Option<String> {
    let value = |name: &str| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
    };
    let (path, key, term) = match (value("s"), value("a")) {
        (Some(terms), _) => ("/search", "q", terms),
        (None, Some(author)) => ("/", "author", author),
        (None, None) => return None,
    };
    let mut kept = url::form_urlencoded::Serializer::new(String::new());
    kept.append_pair(key, &term);
    if let Some(page) = value("page").filter(|p| p.parse::<u32>().is_ok_and(|n| n > 1)) {
        kept.append_pair("page", &page);
    }
    Some(format!("{path}?{}", kept.finish()))
}

fn to(path: &'static str) -> axum::routing::MethodRouter<AppState> {
    get(move || async move { Redirect::permanent(path) })
}

/// The old routes, with and without their trailing slash.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/post/{id}", get(post))
        .route("/post/{id}/", get(post))
        .route("/users/profile/{id}", get(profile))
        .route("/users/profile/{id}/", get(profile));
    for (old, new) in [
        ("/users", "/writers"),
        ("/accounts/login", "/login"),
        ("/accounts/signup", "/signup"),
        ("/accounts/logout", "/logout"),
        ("/accounts/password/reset", "/password-reset"),
        ("/accounts/email", "/account/email"),
        ("/accounts/profile", "/account"),
        ("/accounts/google/login", "/auth/google/start"),
        ("/accounts/twitter_oauth2/login", "/auth/x/start"),
    ] {
        router = router
            .route(old, to(new))
            .route(&format!("{old}/"), to(new));
    }
    router
}

#[cfg(test)]
mod tests {
    use super::new_index_address;

    #[test]
    fn old_index_queries_map_to_search_and_the_author_filter() {
        assert_eq!(
            new_index_address("s=lisb").as_deref(),
            Some("/search?q=lisb")
        );
        assert_eq!(
            new_index_address("s=caf%C3%A9+au+lait&page=2").as_deref(),
            Some("/search?q=caf%C3%A9+au+lait&page=2")
        );
        assert_eq!(
            new_index_address("a=ana&page=x").as_deref(),
            Some("/?author=ana")
        );
        assert_eq!(
            new_index_address("s=rome&a=ana").as_deref(),
            Some("/search?q=rome")
        );
        assert_eq!(new_index_address("s=&page=2"), None);
        assert_eq!(new_index_address("page=2&sort=author"), None);
    }
}
