//! Admin actions: plain HTML form POSTs (they work without JavaScript), each one checking
//! staff status on the server, changing the data and writing its audit row in one
//! transaction, then sending the browser back to the admin page with a fixed confirmation
//! (`?done=<code>`). Cross-site posts are refused by the CSRF layer before reaching here.

use super::{audit, require_staff};
use crate::accounts::server::{AuthSession, User};
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

/// The end of every action: readers' cached pages are dropped when something changed, then
/// the browser goes back to the admin page with the confirmation (or gets the error page).
async fn finish(
    state: &AppState,
    headers: &HeaderMap,
    fallback: &str,
    result: Result<&'static str, AppError>,
) -> Response {
    match result {
        Ok(done) => {
            if !matches!(done, "unchanged" | "self") {
                crate::cache::invalidate(state).await;
            }
            back(headers, fallback, done)
        }
        Err(error) => error.into_response(),
    }
}

/// Anonymous visitors are sent to log in; everyone else who isn't staff gets 403.
fn refuse(error: AppError) -> Response {
    match error {
        AppError::Unauthenticated => Redirect::to("/login?next=/admin").into_response(),
        other => other.into_response(),
    }
}

struct Target {
    id: i64,
    username: String,
    email: String,
    name: String,
}

async fn user_target(state: &AppState, id: i64) -> Result<Target, AppError> {
    sqlx::query!(
        r#"SELECT u.id, u.username, u.email, p.display_name
           FROM users u JOIN profiles p ON p.user_id = u.id WHERE u.id = $1"#,
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .map(|r| Target {
        id: r.id,
        name: if r.display_name.is_empty() {
            r.username.clone()
        } else {
            r.display_name
        },
        username: r.username,
        email: r.email,
    })
    .ok_or(AppError::NotFound)
}

/// `POST /admin/users/{id}/{promote|demote|activate|deactivate}`
pub async fn user_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    auth: AuthSession,
    headers: HeaderMap,
) -> Response {
    let actor = match require_staff(&auth) {
        Ok(actor) => actor,
        Err(error) => return refuse(error),
    };
    let result = change_user(&state, &actor, id, &action).await;
    finish(&state, &headers, "/admin/users", result).await
}

async fn change_user(
    state: &AppState,
    actor: &User,
    id: i64,
    action: &str,
) -> Result<&'static str, AppError> {
    let target = user_target(state, id).await?;
    let mut tx = state.pool.begin().await?;
    let (changed, done) = match action {
        "promote" => {
            let added = sqlx::query!(
                r#"INSERT INTO user_groups (user_id, group_id)
                   SELECT $1, id FROM groups WHERE name = 'writer' ON CONFLICT DO NOTHING"#,
                id
            )
            .execute(&mut *tx)
            .await?;
            (added.rows_affected() == 1, "promoted")
        }
        "demote" => {
            let removed = sqlx::query!(
                r#"DELETE FROM user_groups ug USING groups g
                   WHERE ug.group_id = g.id AND g.name = 'writer' AND ug.user_id = $1"#,
                id
            )
            .execute(&mut *tx)
            .await?;
            (removed.rows_affected() == 1, "demoted")
        }
        "activate" | "deactivate" => {
            let active = action == "activate";
            if !active && id == actor.id {
                return Ok("self");
            }
            let updated = sqlx::query!(
                "UPDATE users SET is_active = $2, updated_at = now() WHERE id = $1 AND is_active <> $2",
                id,
                active
            )
            .execute(&mut *tx)
            .await?;
            (
                updated.rows_affected() == 1,
                if active { "activated" } else { "deactivated" },
            )
        }
        _ => return Err(AppError::NotFound),
    };
    if !changed {
        return Ok("unchanged");
    }
    audit(
        &mut *tx,
        actor,
        &format!("user.{action}"),
        "user",
        id,
        &target.username,
        "",
    )
    .await?;
    tx.commit().await?;
    tracing::info!(actor = actor.id, user = id, action, "admin changed a user");
    if action == "promote" {
        // Queued, never sent in the request; the promotion stands even if queueing fails.
        let email = crate::mail::templates::promoted_to_writer(
            format!(
                "promoted-{}-{}",
                target.id,
                time::OffsetDateTime::now_utc().unix_timestamp()
            ),
            &target.email,
            &target.name,
            &format!("{}/articles/new", state.config.site_url),
        );
        if let Err(error) = state.mail.enqueue(email).await {
            tracing::error!(%error, user = id, "could not queue the promotion e-mail");
        }
    }
    Ok(done)
}

/// `POST /admin/groups/{id}/permissions` with every checked `permission` codename.
pub async fn group_permissions(
    State(state): State<AppState>,
    Path(id): Path<i32>,
    auth: AuthSession,
    headers: HeaderMap,
    body: String,
) -> Response {
    let actor = match require_staff(&auth) {
        Ok(actor) => actor,
        Err(error) => return refuse(error),
    };
    let chosen: Vec<String> = url::form_urlencoded::parse(body.as_bytes())
        .filter(|(k, _)| k == "permission")
        .map(|(_, v)| v.into_owned())
        .collect();
    let result = set_group_permissions(&state, &actor, id, &chosen).await;
    finish(&state, &headers, "/admin/groups", result).await
}

async fn set_group_permissions(
    state: &AppState,
    actor: &User,
    group_id: i32,
    chosen: &[String],
) -> Result<&'static str, AppError> {
    let mut tx = state.pool.begin().await?;
    let name = sqlx::query_scalar!("SELECT name FROM groups WHERE id = $1 FOR UPDATE", group_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let known: Vec<String> = sqlx::query_scalar!(
        "SELECT codename FROM permissions WHERE codename = ANY($1)",
        chosen
    )
    .fetch_all(&mut *tx)
    .await?;
    if let Some(unknown) = chosen.iter().find(|c| !known.contains(c)) {
        return Err(AppError::BadRequest(format!(
            "There is no permission called {unknown:?}."
        )));
    }
    let before: Vec<String> = sqlx::query_scalar!(
        r#"SELECT p.codename FROM group_permissions gp JOIN permissions p ON p.id = gp.permission_id
           WHERE gp.group_id = $1 ORDER BY p.codename"#,
        group_id
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut after = known.clone();
    after.sort();
    after.dedup();
    if before == after {
        return Ok("unchanged");
    }
    sqlx::query!(
        "DELETE FROM group_permissions WHERE group_id = $1",
        group_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"INSERT INTO group_permissions (group_id, permission_id)
           SELECT $1, id FROM permissions WHERE codename = ANY($2)"#,
        group_id,
        &after
    )
    .execute(&mut *tx)
    .await?;
    let added: Vec<&str> = after
        .iter()
        .filter(|p| !before.contains(p))
        .map(String::as_str)
        .collect();
    let removed: Vec<&str> = before
        .iter()
        .filter(|p| !after.contains(p))
        .map(String::as_str)
        .collect();
    let detail = format!("added: {}; removed: {}", list(&added), list(&removed));
    audit(
        &mut *tx,
        actor,
        "group.permissions",
        "group",
        group_id,
        &name,
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok("permissions")
}

fn list(items: &[&str]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// `POST /admin/articles/{id}/{unpublish|delete}`
pub async fn article_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    auth: AuthSession,
    headers: HeaderMap,
) -> Response {
    let actor = match require_staff(&auth) {
        Ok(actor) => actor,
        Err(error) => return refuse(error),
    };
    let result = async {
        let mut tx = state.pool.begin().await?;
        let title = sqlx::query_scalar!("SELECT title FROM articles WHERE id = $1 FOR UPDATE", id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
        let done = match action.as_str() {
            "unpublish" => {
                let changed = sqlx::query!(
                    "UPDATE articles SET status = 'draft', updated_at = now() WHERE id = $1 AND status = 'published'",
                    id
                )
                .execute(&mut *tx)
                .await?;
                if changed.rows_affected() == 0 {
                    return Ok("unchanged");
                }
                "unpublished"
            }
            "delete" => {
                sqlx::query!("DELETE FROM articles WHERE id = $1", id)
                    .execute(&mut *tx)
                    .await?;
                "article_deleted"
            }
            _ => return Err(AppError::NotFound),
        };
        audit(&mut *tx, &actor, &format!("article.{action}"), "article", id, &title, "").await?;
        tx.commit().await?;
        Ok::<_, AppError>(done)
    }
    .await;
    finish(&state, &headers, "/admin/articles", result).await
}

/// `POST /admin/comments/{id}/{hide|show|delete}`
pub async fn comment_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    auth: AuthSession,
    headers: HeaderMap,
) -> Response {
    let actor = match require_staff(&auth) {
        Ok(actor) => actor,
        Err(error) => return refuse(error),
    };
    use crate::engagement::server::comments;
    let result = async {
        let label = sqlx::query_scalar!(
            r#"SELECT a.title FROM comments c JOIN articles a ON a.id = c.article_id WHERE c.id = $1"#,
            id
        )
        .fetch_optional(&state.pool)
        .await?
        .ok_or(AppError::NotFound)?;
        // The comment code keeps the thread's shape and the counts; it owns its transaction,
        // so the audit row follows it.
        let done = match action.as_str() {
            "hide" | "show" => {
                let hide = action == "hide";
                if !comments::set_hidden(&state.pool, id, actor.id, hide).await? {
                    return Ok("unchanged");
                }
                if hide {
                    "hidden"
                } else {
                    "shown"
                }
            }
            "delete" => {
                comments::delete(&state.pool, id).await?;
                "comment_deleted"
            }
            _ => return Err(AppError::NotFound),
        };
        audit(
            &state.pool,
            &actor,
            &format!("comment.{action}"),
            "comment",
            id,
            &format!("on “{label}”"),
            "",
        )
        .await?;
        Ok::<_, AppError>(done)
    }
    .await;
    finish(&state, &headers, "/admin/comments", result).await
}
