//! The subscription doors: plain HTML forms and the e-mails' links, no JavaScript. Each
//! parses the request, calls the command, and sends the browser to a page that says what
//! happened.
//!
//! - `POST /subscribe`: the form on author pages and the home page.
//! - `GET /email/confirm/{token}`: the double opt-in link.
//! - `GET /email/unsubscribe/{token}`: the e-mail's visible link (one click, no sign-in).
//! - `POST /email/unsubscribe/{token}`: RFC 8058 one-click, from the mail client's button.
//! - `POST /email/unsubscribe/{token}/undo`: the undo button on the unsubscribed page.
//! - `POST /account/subscriptions`: the account page's settings.
//! - `POST /email/sendgrid-events`: SendGrid's signed event webhook.

use super::server::{self, Change, Scope, Subscribed};
use crate::accounts::server::{Actor, AuthSession};
use crate::error::AppError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/subscribe", post(subscribe))
        .route("/email/confirm/{token}", get(confirm))
        .route(
            "/email/unsubscribe/{token}",
            get(unsubscribe_link).post(unsubscribe_one_click),
        )
        .route("/email/unsubscribe/{token}/undo", post(undo))
        .route("/account/subscriptions", post(manage))
        .route("/email/sendgrid-events", post(sendgrid_events))
}

#[derive(Deserialize)]
pub struct SubscribeForm {
    #[serde(default)]
    email: String,
    /// A writer's username; empty for the whole blog.
    #[serde(default)]
    author: String,
}

async fn subscribe(
    State(state): State<AppState>,
    auth: AuthSession,
    request_parts: axum::http::Extensions,
    Form(form): Form<SubscribeForm>,
) -> Response {
    let back = match form.author.trim() {
        "" => "/".to_owned(),
        author => format!(
            "/authors/{}",
            crate::articles::model::percent_encode(author)
        ),
    };
    let run = async {
        let actor = Actor::for_user(&state, auth.user).await?;
        let scope = match form.author.trim() {
            "" => Scope::Blog,
            author => Scope::Author(author.to_owned()),
        };
        let ip = crate::request::client_ip_of(&request_parts);
        server::subscribe(&state, &actor, &ip, &form.email, &scope).await
    };
    match run.await {
        Ok(Subscribed::CheckInbox) => Redirect::to("/subscriptions/check-email").into_response(),
        Ok(Subscribed::Active) => {
            Redirect::to("/account?subscribed=1#subscriptions").into_response()
        }
        Err(error) => error.into_page(&back),
    }
}

async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match server::confirm(&state, &token).await {
        Ok(_) => Redirect::to("/subscriptions/confirmed").into_response(),
        Err(AppError::NotFound) => Redirect::to("/subscriptions/invalid-link").into_response(),
        Err(error) => error.into_page("/"),
    }
}

/// The visible link: unsubscribes at once, then a page that offers to undo it.
async fn unsubscribe_link(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match server::unsubscribe(&state, &token).await {
        Ok(_) => Redirect::to(&format!(
            "/subscriptions/unsubscribed?t={}",
            crate::articles::model::percent_encode(&token)
        ))
        .into_response(),
        Err(AppError::NotFound) => Redirect::to("/subscriptions/invalid-link").into_response(),
        Err(error) => error.into_page("/"),
    }
}

/// RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` here, with no cookies and
/// no redirects followed; a plain 200 is the answer.
async fn unsubscribe_one_click(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Response {
    match server::unsubscribe(&state, &token).await {
        Ok(_) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Unsubscribed: no more Waypost story e-mails will be sent to this address.",
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}

async fn undo(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match server::undo_unsubscribe(&state, &token).await {
        Ok(_) => Redirect::to("/subscriptions/resubscribed").into_response(),
        Err(AppError::NotFound) => Redirect::to("/subscriptions/invalid-link").into_response(),
        Err(error) => error.into_page("/"),
    }
}

#[derive(Deserialize)]
pub struct ManageForm {
    /// "instant" or "weekly".
    #[serde(default)]
    delivery: String,
    /// A writer's id, or "blog": end that subscription.
    #[serde(default)]
    end: String,
}

async fn manage(
    State(state): State<AppState>,
    auth: AuthSession,
    Form(form): Form<ManageForm>,
) -> Response {
    if auth.user.is_none() {
        return Redirect::to("/login?next=/account").into_response();
    }
    let change = match (form.delivery.as_str(), form.end.as_str()) {
        ("instant", "") => Change::Digest(false),
        ("weekly", "") => Change::Digest(true),
        ("", "blog") => Change::End(None),
        ("", id) => match id.parse::<i64>() {
            Ok(id) => Change::End(Some(id)),
            Err(_) => {
                return AppError::BadRequest("The form was incomplete.".to_owned())
                    .into_page("/account")
            }
        },
        _ => {
            return AppError::BadRequest("The form was incomplete.".to_owned())
                .into_page("/account")
        }
    };
    let run = async {
        let actor = Actor::for_user(&state, auth.user).await?;
        server::change(&state, &actor, change).await
    };
    match run.await {
        Ok(()) => Redirect::to("/account?subscriptions=saved#subscriptions").into_response(),
        Err(error) => error.into_page("/account"),
    }
}

async fn sendgrid_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let signature = text(server::webhook::SIGNATURE_HEADER);
    let timestamp = text(server::webhook::TIMESTAMP_HEADER);
    match server::webhook::apply_events(&state, &signature, &timestamp, &body).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => error.into_response(),
    }
}
