//! Plain HTML form POSTs for favourites, follows, the stars on story cards and API tokens:
//! they work without JavaScript and add nothing to the pages' bundles. Each parses the form, calls the domain's
//! command with the signed-in actor, then sends the browser back (303). Cross-site posts are
//! refused by the CSRF layer.

use crate::accounts::api_tokens::{CREATED_KEY, ERROR_KEY};
use crate::accounts::server::{api_tokens, follows, Actor, AuthSession};
use crate::engagement::server::{discussion, favorites};
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

/// The signed-in actor, or `Err` with the redirect to log in and come back to `back`.
async fn signed_in(state: &AppState, auth: AuthSession, back: &str) -> Result<Actor, Response> {
    if auth.user.is_none() {
        return Err(login_then(back));
    }
    Actor::for_user(state, auth.user)
        .await
        .map_err(IntoResponse::into_response)
}

/// Runs a toggle command and sends the browser back to `back`.
async fn toggle<F, Fut>(state: &AppState, auth: AuthSession, back: String, run: F) -> Response
where
    F: FnOnce(Actor) -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    let actor = match signed_in(state, auth, &back).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    match run(actor).await {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(error) => error.into_page(&back),
    }
}

/// `back` if it is a path on this site (never `//host` or a scheme), else `None`.
fn local_path(back: &str) -> Option<&str> {
    let ok = back.starts_with('/')
        && !back.starts_with("//")
        && back.len() <= 500
        && !back.contains(['\\', '#'])
        && !back.chars().any(char::is_control);
    ok.then_some(back)
}

#[derive(Deserialize)]
pub struct Rating {
    #[serde(default)]
    stars: String,
    /// The list the card was on (a path here), to come back to.
    #[serde(default)]
    back: String,
}

/// `POST /articles/{slug}/rating` with `stars=1..5`: the stars on a story card. Rates with
/// the same rules as the story page, then goes back to the list, at the card.
pub async fn rate(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(slug): Path<String>,
    Form(form): Form<Rating>,
) -> Response {
    let list = local_path(&form.back).map_or_else(|| format!("/articles/{slug}"), str::to_owned);
    let back = format!("{list}#story-{slug}");
    let actor = match signed_in(&state, auth, &back).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    match discussion::rate_story(&state, &actor, &slug, &form.stars).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(error) => error.into_page(&back),
    }
}

/// `POST /articles/{slug}/favorite` with `on=true|false`.
pub async fn favorite(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(slug): Path<String>,
    Form(form): Form<Toggle>,
) -> Response {
    let back = format!("/articles/{slug}");
    let command_state = state.clone();
    toggle(&state, auth, back, |actor| async move {
        favorites::favourite(&command_state, &actor, &slug, parse_on(&form)?).await
    })
    .await
}

/// `POST /authors/{username}/follow` with `on=true|false`.
pub async fn follow(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(username): Path<String>,
    Form(form): Form<Toggle>,
) -> Response {
    let back = format!("/authors/{username}");
    let command_state = state.clone();
    toggle(&state, auth, back, |actor| async move {
        follows::follow(&command_state, &actor, &username, parse_on(&form)?)
            .await
            .map(|_| ())
    })
    .await
}

#[derive(Deserialize)]
pub struct NewToken {
    name: String,
    /// The account's current password: a token outlives any session.
    #[serde(default)]
    password: String,
}

const TOKENS: &str = "/account#api-tokens";

/// `POST /account/api-tokens`: makes a token and keeps it in the session for one page view.
pub async fn create_api_token(
    State(state): State<AppState>,
    auth: AuthSession,
    Form(form): Form<NewToken>,
) -> Response {
    let session = auth.session.clone();
    let actor = match signed_in(&state, auth, "/account").await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let stored = match api_tokens::create(&state, &actor, &form.name, &form.password).await {
        Ok(token) => session.insert(CREATED_KEY, token).await,
        Err(AppError::Invalid(errors)) => session.insert(ERROR_KEY, errors.to_string()).await,
        Err(error) => return error.into_page(TOKENS),
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
    let actor = match signed_in(&state, auth, "/account").await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    match api_tokens::revoke(&state, &actor, id).await {
        Ok(()) => Redirect::to(TOKENS).into_response(),
        Err(error) => error.into_page(TOKENS),
    }
}
