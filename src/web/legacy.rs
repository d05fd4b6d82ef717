//! The Django blog's addresses keep working after `waypost import-django`: permanent
//! redirects to the same content here, so bookmarks and search results survive the move.

use crate::error::AppError;
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
    let slug = sqlx::query_scalar!(
        "SELECT a.slug FROM legacy_ids l JOIN articles a ON a.id = l.new_id
         WHERE l.kind = 'post' AND l.legacy_id = $1 AND a.status = 'published'",
        id
    )
    .fetch_optional(&state.pool)
    .await;
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
    let username = sqlx::query_scalar!(
        "SELECT u.username FROM legacy_ids l JOIN users u ON u.id = l.new_id
         WHERE l.kind = 'user' AND l.legacy_id = $1 AND u.is_active",
        id
    )
    .fetch_optional(&state.pool)
    .await;
    match username {
        Ok(Some(username)) => Redirect::permanent(&format!("/authors/{username}")).into_response(),
        Ok(None) => AppError::NotFound.into_response(),
        Err(error) => AppError::from(error).into_response(),
    }
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
