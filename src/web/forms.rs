//! Plain HTML form POSTs for favourites, follows and API tokens: they work without
//! JavaScript and add nothing to the pages' bundles. Each checks the signed-in user on the
//! server, then sends the browser back (303). Cross-site posts are refused by the CSRF layer.

use crate::accounts::api_tokens::{CREATED_KEY, ERROR_KEY};
use crate::accounts::server::{api_tokens, follows, AuthSession};
use crate::articles::server::repo;
use crate::engagement::server::favorites;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Toggle {
    /// "true" to favourite/follow, "false" to undo.
    on: String,
}

fn parse_on(form: &Toggle) -> Result<bool, AppError> {
    match form.on.as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(AppError::BadRequest("The form was incomplete.".to_owned())),
    }
}

fn login_then(next: &str) -> Response {
    let next = crate::articles::model::percent_encode(next);
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// `POST /articles/{slug}/favorite` with `on=true|false`.
pub async fn favorite(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(slug): Path<String>,
    Form(form): Form<Toggle>,
) -> Response {
    let back = format!("/articles/{slug}");
    let Some(user) = auth.user else {
        return login_then(&back);
    };
    let result = async {
        let on = parse_on(&form)?;
        let row = repo::by_slug(&state.pool, &slug)
            .await?
            .ok_or(AppError::NotFound)?;
        favorites::set(&state.pool, user.id, row.id, on).await?;
        crate::cache::invalidate(&state).await;
        Ok::<_, AppError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `POST /authors/{username}/follow` with `on=true|false`.
pub async fn follow(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(username): Path<String>,
    Form(form): Form<Toggle>,
) -> Response {
    let back = format!("/authors/{username}");
    let Some(user) = auth.user else {
        return login_then(&back);
    };
    let result = async {
        let on = parse_on(&form)?;
        let target = crate::accounts::server::repo::find_by_login(&state.pool, &username)
            .await?
            .filter(|u| u.is_active && u.username.eq_ignore_ascii_case(&username))
            .ok_or(AppError::NotFound)?;
        follows::set(&state.pool, user.id, target.id, on).await?;
        // Author pages show follower counts, and anonymous readers get them cached.
        crate::cache::invalidate(&state).await;
        Ok::<_, AppError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(error) => error.into_response(),
    }
}

#[derive(Deserialize)]
pub struct NewToken {
    name: String,
}

const TOKENS: &str = "/account#api-tokens";

/// `POST /account/api-tokens`: makes a token and keeps it in the session for one page view.
pub async fn create_api_token(
    State(state): State<AppState>,
    auth: AuthSession,
    Form(form): Form<NewToken>,
) -> Response {
    let Some(user) = auth.user else {
        return login_then("/account");
    };
    let stored = match api_tokens::create(&state.pool, user.id, &form.name).await {
        Ok(token) => auth.session.insert(CREATED_KEY, token).await,
        Err(AppError::Invalid(errors)) => auth.session.insert(ERROR_KEY, errors.to_string()).await,
        Err(error) => return error.into_response(),
    };
    match stored {
        Ok(()) => Redirect::to(TOKENS).into_response(),
        Err(error) => AppError::from(error).into_response(),
    }
}

/// `POST /account/api-tokens/{id}/revoke`.
pub async fn revoke_api_token(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<i64>,
) -> Response {
    let Some(user) = auth.user else {
        return login_then("/account");
    };
    match api_tokens::revoke(&state.pool, user.id, id).await {
        Ok(true) => {
            tracing::info!(user_id = user.id, token_id = id, "API token revoked");
            Redirect::to(TOKENS).into_response()
        }
        Ok(false) => AppError::NotFound.into_response(),
        Err(error) => AppError::from(error).into_response(),
    }
}
