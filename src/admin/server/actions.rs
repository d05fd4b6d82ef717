//! The admin's doors: plain HTML form POSTs (they work without JavaScript). Each handler
//! makes the staff actor, calls the command (the admin's own in `commands`, or the domain's
//! for stories and comments, which write their audit rows themselves), then sends the
//! browser back to the admin page with a fixed confirmation (`?done=<code>`). Cross-site posts
//! are refused by the CSRF layer before reaching here.

use super::commands;
use crate::accounts::server::{Actor, AuthSession};
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

/// Back to the admin page the form was on (the `Referer`'s path, only under `/admin`),
/// else `fallback`. Only a path is used, so this can never redirect off the site.
fn back(headers: &HeaderMap, fallback: &str, done: &str) -> Response {
    let from_referer = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .filter(|r| r.path().starts_with("/admin"))
        .map(|r| {
            // Keep the page's search and paging, replace any earlier confirmation.
            let kept: Vec<(String, String)> = r
                .query_pairs()
                .filter(|(k, _)| k != "done")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            query.extend_pairs(kept);
            query.append_pair("done", done);
            format!("{}?{}", r.path(), query.finish())
        });
    let target = from_referer.unwrap_or_else(|| format!("{fallback}?done={done}"));
    Redirect::to(&target).into_response()
}

/// The end of every action: back to the admin page with the confirmation, or the error page.
fn finish(headers: &HeaderMap, fallback: &str, result: Result<&'static str, AppError>) -> Response {
    match result {
        Ok(done) => back(headers, fallback, done),
        Err(error) => error.into_page(fallback),
    }
}

/// The staff actor of this request, or the answer for everyone else.
async fn staff(state: &AppState, auth: AuthSession) -> Result<Actor, Response> {
    let actor = Actor::for_user(state, auth.user)
        .await
        .map_err(IntoResponse::into_response)?;
    match actor.require_staff() {
        Ok(_) => Ok(actor),
        Err(error) => Err(refuse(error)),
    }
}

/// Anonymous visitors are sent to log in; everyone else who isn't staff gets 403.
fn refuse(error: AppError) -> Response {
    match error {
        AppError::Unauthenticated => Redirect::to("/login?next=/admin").into_response(),
        other => other.into_response(),
    }
}

/// `POST /admin/users/{id}/{promote|demote|activate|deactivate|grant_staff|revoke_staff}`
pub async fn user_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    auth: AuthSession,
    headers: HeaderMap,
) -> Response {
    let actor = match staff(&state, auth).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let result = commands::change_user(&state, &actor, id, &action).await;
    finish(&headers, "/admin/users", result)
}

/// `POST /admin/groups/{id}/permissions` with every checked `permission` codename.
pub async fn group_permissions(
    State(state): State<AppState>,
    Path(id): Path<i32>,
    auth: AuthSession,
    headers: HeaderMap,
    body: String,
) -> Response {
    let actor = match staff(&state, auth).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let chosen = repeated(&body, "permission");
    let result = commands::set_group_permissions(&state, &actor, id, &chosen).await;
    finish(&headers, "/admin/groups", result)
}

/// `POST /admin/articles/{id}/{unpublish|delete}`
pub async fn article_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    auth: AuthSession,
    headers: HeaderMap,
) -> Response {
    use crate::articles::server::write;
    let actor = match staff(&state, auth).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let result = match action.as_str() {
        "unpublish" => write::unpublish(&state, &actor, id).await.map(|changed| {
            if changed {
                "unpublished"
            } else {
                "unchanged"
            }
        }),
        "delete" => write::delete(&state, &actor, id)
            .await
            .map(|()| "article_deleted"),
        _ => Err(AppError::NotFound),
    };
    finish(&headers, "/admin/articles", result)
}

/// `POST /admin/comments/{id}/{hide|show|delete}`
pub async fn comment_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    auth: AuthSession,
    headers: HeaderMap,
) -> Response {
    use crate::engagement::server::discussion;
    let actor = match staff(&state, auth).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let result = match action.as_str() {
        "hide" | "show" => {
            let hide = action == "hide";
            discussion::hide_comment(&state, &actor, id, hide)
                .await
                .map(|changed| match (changed, hide) {
                    (false, _) => "unchanged",
                    (true, true) => "hidden",
                    (true, false) => "shown",
                })
        }
        "delete" => discussion::delete_comment(&state, &actor, id, None)
            .await
            .map(|_| "comment_deleted"),
        _ => Err(AppError::NotFound),
    };
    finish(&headers, "/admin/comments", result)
}

/// The session key of a refused account edit: shown again on the user's page, once.
pub const REFUSED_EDIT: &str = "admin.refused_user_edit";

/// `POST /admin/users/{id}/edit` with `display_name`, `username`, `email`. A refused edit
/// comes back to the form with its values and errors (nothing typed is lost).
pub async fn edit_user(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    auth: AuthSession,
    headers: HeaderMap,
    axum::Form(edit): axum::Form<crate::admin::model::UserEdit>,
) -> Response {
    let session = auth.session.clone();
    let actor = match staff(&state, auth).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let page = format!("/admin/users/{id}");
    match super::accounts::edit_user(&state, &actor, id, &edit).await {
        Err(AppError::Invalid(errors) | AppError::Conflict(errors)) => {
            match session.insert(REFUSED_EDIT, (id, edit, errors)).await {
                Ok(()) => Redirect::to(&page).into_response(),
                Err(error) => AppError::from(error).into_page(&page),
            }
        }
        result => finish(&headers, &page, result),
    }
}

/// `POST /admin/users/{id}/groups` with every checked `group` name.
pub async fn user_groups(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    auth: AuthSession,
    headers: HeaderMap,
    body: String,
) -> Response {
    let actor = match staff(&state, auth).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let chosen = repeated(&body, "group");
    let result = super::accounts::set_user_groups(&state, &actor, id, &chosen).await;
    finish(&headers, &format!("/admin/users/{id}"), result)
}

/// Every value of a repeated form field (checkboxes).
fn repeated(body: &str, field: &str) -> Vec<String> {
    url::form_urlencoded::parse(body.as_bytes())
        .filter(|(k, _)| k == field)
        .map(|(_, v)| v.into_owned())
        .collect()
}

#[derive(serde::Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

/// `POST /admin/groups/new` with `name` and `description`: a new group.
pub async fn create_group(
    State(state): State<AppState>,
    auth: AuthSession,
    headers: HeaderMap,
    axum::Form(form): axum::Form<GroupForm>,
) -> Response {
    let actor = match staff(&state, auth).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let result = commands::create_group(&state, &actor, &form.name, &form.description).await;
    finish(&headers, "/admin/groups", result)
}

/// `POST /admin/groups/{id}/rename` with `name` and `description`.
pub async fn rename_group(
    State(state): State<AppState>,
    Path(id): Path<i32>,
    auth: AuthSession,
    headers: HeaderMap,
    axum::Form(form): axum::Form<GroupForm>,
) -> Response {
    let actor = match staff(&state, auth).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let result = commands::rename_group(&state, &actor, id, &form.name, &form.description).await;
    finish(&headers, "/admin/groups", result)
}

/// `POST /admin/ratings/{article_id}/{user_id}/delete`
pub async fn delete_rating(
    State(state): State<AppState>,
    Path((article_id, user_id)): Path<(i64, i64)>,
    auth: AuthSession,
    headers: HeaderMap,
) -> Response {
    use crate::engagement::server::discussion;
    let actor = match staff(&state, auth).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let result = discussion::delete_rating(&state, &actor, article_id, user_id)
        .await
        .map(|deleted| {
            if deleted {
                "rating_deleted"
            } else {
                "unchanged"
            }
        });
    finish(&headers, "/admin/ratings", result)
}
