//! Staff editing an account: its names and address (the sign-up rules: same checks, same
//! uniqueness), and its groups. Each change is audited in its transaction.

use super::commands::user_target;
use crate::accounts::rules::{check_display_name, check_email, check_username};
use crate::accounts::server::{emails, repo, Actor};
use crate::admin::model::UserEdit;
use crate::audit;
use crate::cache::Change;
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

/// Sets an account's display name, username and e-mail address. A new address is
/// unconfirmed until its owner follows the link it is sent (a typo must not hand the account
/// to a stranger); a new name refreshes the bylines of their stories.
pub async fn edit_user(
    state: &AppState,
    actor: &Actor,
    id: i64,
    edit: &UserEdit,
) -> Result<&'static str, AppError> {
    let staff = actor.require_staff()?;
    let target = user_target(state, id).await?;
    let (display_name, username, email) = (
        edit.display_name.trim(),
        edit.username.trim(),
        edit.email.trim(),
    );
    let mut errors = FieldErrors::new();
    check_display_name(display_name, &mut errors);
    check_username(username, &mut errors);
    check_email(email, &mut errors);
    errors.into_result()?;

    let mut tx = state.pool.begin().await?;
    let mut row = repo::profile_row(&mut *tx, id).await?;
    let mut changes = Vec::new();
    if username != target.username {
        repo::set_username(&mut tx, id, username).await?;
        changes.push(format!("username {} → {username}", target.username));
    }
    let new_email = !email.eq_ignore_ascii_case(&target.email);
    if new_email {
        repo::set_email_unverified(&mut tx, id, email).await?;
        changes.push(format!("e-mail {} → {email}", target.email));
    }
    if display_name != row.display_name {
        changes.push(format!("name “{}” → “{display_name}”", row.display_name));
        row.display_name = display_name.to_owned();
        repo::write_profile(&mut tx, id, &row).await?;
    }
    if changes.is_empty() {
        return Ok("unchanged");
    }
    let articles = repo::signed_articles(&mut *tx, id).await?;
    let ids: Vec<i64> = articles.iter().map(|a| a.id).collect();
    crate::articles::server::repo::refresh_author_names(&mut *tx, &ids).await?;
    audit::record(
        &mut *tx,
        staff,
        audit::Entry {
            action: "user.edit",
            target_kind: "user",
            target_id: id,
            target_label: username,
            detail: &changes.join("; "),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(actor = staff.id, user = id, "staff edited an account");
    // Bylines, author pages and the old author address all show the names.
    state.page_cache.invalidate(Change::Everything).await;
    if new_email {
        let name = if display_name.is_empty() {
            username
        } else {
            display_name
        };
        // The change stands even if the link can't be queued: it can be sent again.
        if let Err(error) = emails::verification(state, id, email, name).await {
            tracing::error!(%error, user = id, "could not queue the verification e-mail");
        }
    }
    Ok("edited")
}

/// Puts the account in exactly the `chosen` groups (by name). Joining `writer` this way
/// e-mails the writer as the promote button does.
pub async fn set_user_groups(
    state: &AppState,
    actor: &Actor,
    id: i64,
    chosen: &[String],
) -> Result<&'static str, AppError> {
    let staff = actor.require_staff()?;
    let target = user_target(state, id).await?;
    let mut tx = state.pool.begin().await?;
    let known: Vec<String> =
        sqlx::query_scalar!("SELECT name FROM groups WHERE name = ANY($1)", chosen)
            .fetch_all(&mut *tx)
            .await?;
    if let Some(unknown) = chosen.iter().find(|c| !known.contains(c)) {
        return Err(AppError::BadRequest(format!(
            "There is no group called {unknown:?}."
        )));
    }
    let before = repo::group_names(&state.pool, id).await?;
    let added: Vec<&String> = known.iter().filter(|g| !before.contains(g)).collect();
    let removed: Vec<&String> = before.iter().filter(|g| !known.contains(g)).collect();
    if added.is_empty() && removed.is_empty() {
        return Ok("unchanged");
    }
    sqlx::query!(
        r#"DELETE FROM user_groups ug USING groups g
           WHERE ug.group_id = g.id AND ug.user_id = $1 AND NOT (g.name = ANY($2))"#,
        id,
        &known
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"INSERT INTO user_groups (user_id, group_id)
           SELECT $1, id FROM groups WHERE name = ANY($2) ON CONFLICT DO NOTHING"#,
        id,
        &known
    )
    .execute(&mut *tx)
    .await?;
    let names = |groups: &[&String]| {
        if groups.is_empty() {
            "none".to_owned()
        } else {
            groups
                .iter()
                .map(|g| g.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    audit::record(
        &mut *tx,
        staff,
        audit::Entry {
            action: "user.groups",
            target_kind: "user",
            target_id: id,
            target_label: &target.username,
            detail: &format!("added: {}; removed: {}", names(&added), names(&removed)),
        },
    )
    .await?;
    let promoted = added.iter().any(|g| *g == "writer");
    tx.commit().await?;
    state.page_cache.invalidate(Change::Everything).await;
    if promoted {
        super::commands::queue_promotion_mail(state, &target).await;
    }
    Ok("groups")
}
