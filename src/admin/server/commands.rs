//! The admin's own commands (accounts and groups): each checks that the actor is staff,
//! changes the data and writes its audit row in one transaction. Stories and comments are
//! moderated through their domains' commands, which audit staff actions themselves.

use crate::accounts::server::Actor;
use crate::audit;
use crate::cache::Change;
use crate::error::AppError;
use crate::state::AppState;

/// The account an admin command acts on.
pub(super) struct Target {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub name: String,
}

pub(super) async fn user_target(state: &AppState, id: i64) -> Result<Target, AppError> {
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

/// Promotes to writer, demotes, activates or deactivates an account, grants or revokes staff
/// (staff only; never deactivating or un-staffing oneself, never removing the last active
/// staff account), with its audit row; a promotion queues an e-mail. Every page may show
/// the account, so the whole page cache goes.
pub async fn change_user(
    state: &AppState,
    actor: &Actor,
    id: i64,
    action: &str,
) -> Result<&'static str, AppError> {
    let staff = actor.require_staff()?;
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
            if !active && id == staff.id {
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
        "grant_staff" => {
            let updated = sqlx::query!(
                "UPDATE users SET is_staff = true, updated_at = now() WHERE id = $1 AND NOT is_staff",
                id
            )
            .execute(&mut *tx)
            .await?;
            (updated.rows_affected() == 1, "staff_granted")
        }
        "revoke_staff" => {
            if id == staff.id {
                return Ok("self");
            }
            // Every staff row locked: two staff demoting each other at once can't both pass
            // the check and leave nobody to run the site.
            let others =
                sqlx::query_scalar!(r#"SELECT id AS "id!" FROM users WHERE is_staff FOR UPDATE"#)
                    .fetch_all(&mut *tx)
                    .await?;
            if !others.contains(&id) {
                return Ok("unchanged");
            }
            let active_others = sqlx::query_scalar!(
                r#"SELECT count(*) AS "n!" FROM users WHERE is_staff AND is_active AND id <> $1"#,
                id
            )
            .fetch_one(&mut *tx)
            .await?;
            if active_others == 0 {
                return Ok("last_staff");
            }
            sqlx::query!(
                "UPDATE users SET is_staff = false, updated_at = now() WHERE id = $1",
                id
            )
            .execute(&mut *tx)
            .await?;
            (true, "staff_revoked")
        }
        _ => return Err(AppError::NotFound),
    };
    if !changed {
        return Ok("unchanged");
    }
    audit::record(
        &mut *tx,
        staff,
        audit::Entry {
            action: &format!("user.{action}"),
            target_kind: "user",
            target_id: id,
            target_label: &target.username,
            detail: "",
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(actor = staff.id, user = id, action, "admin changed a user");
    state.page_cache.invalidate(Change::Everything).await;
    if action == "promote" {
        queue_promotion_mail(state, &target).await;
    }
    Ok(done)
}

/// Tells a new writer (queued, never sent in the request; the promotion stands even if
/// queueing fails).
pub(super) async fn queue_promotion_mail(state: &AppState, target: &Target) {
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
        tracing::error!(%error, user = target.id, "could not queue the promotion e-mail");
    }
}

/// Sets the permissions a group grants (staff), with its audit row.
pub async fn set_group_permissions(
    state: &AppState,
    actor: &Actor,
    group_id: i32,
    chosen: &[String],
) -> Result<&'static str, AppError> {
    let staff = actor.require_staff()?;
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
    audit::record(
        &mut *tx,
        staff,
        audit::Entry {
            action: "group.permissions",
            target_kind: "group",
            target_id: i64::from(group_id),
            target_label: &name,
            detail: &detail,
        },
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

/// Groups sign-up and promotion find by name: they can't be renamed.
const BUILT_IN_GROUPS: [&str; 2] = ["traveller", "writer"];

fn check_group(name: &str, description: &str) -> Result<(), AppError> {
    let mut errors = crate::error::FieldErrors::new();
    let length = name.chars().count();
    if !(2..=40).contains(&length)
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == ' ')
    {
        errors.add(
            "name",
            "Use 2 to 40 lowercase letters, digits, spaces or dashes.",
        );
    }
    if description.chars().count() > 200 {
        errors.add("description", "Keep the description under 200 characters.");
    }
    errors.into_result()
}

fn name_taken(error: sqlx::Error) -> AppError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            AppError::conflict("name", "There is already a group with that name.")
        }
        _ => error.into(),
    }
}

/// Creates a group (no permissions until they are chosen), with its audit row.
pub async fn create_group(
    state: &AppState,
    actor: &Actor,
    name: &str,
    description: &str,
) -> Result<&'static str, AppError> {
    let staff = actor.require_staff()?;
    let (name, description) = (name.trim(), description.trim());
    check_group(name, description)?;
    let mut tx = state.pool.begin().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO groups (name, description) VALUES ($1, $2) RETURNING id",
        name,
        description
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(name_taken)?;
    audit::record(
        &mut *tx,
        staff,
        audit::Entry {
            action: "group.create",
            target_kind: "group",
            target_id: i64::from(id),
            target_label: name,
            detail: description,
        },
    )
    .await?;
    tx.commit().await?;
    Ok("group_created")
}

/// Renames a group and sets its description; the built-in groups keep their names.
pub async fn rename_group(
    state: &AppState,
    actor: &Actor,
    id: i32,
    name: &str,
    description: &str,
) -> Result<&'static str, AppError> {
    let staff = actor.require_staff()?;
    let (name, description) = (name.trim(), description.trim());
    check_group(name, description)?;
    let mut tx = state.pool.begin().await?;
    let before = sqlx::query!(
        "SELECT name, description FROM groups WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if before.name == name && before.description == description {
        return Ok("unchanged");
    }
    if before.name != name && BUILT_IN_GROUPS.contains(&before.name.as_str()) {
        return Err(AppError::invalid(
            "name",
            format!(
                "“{}” is built in: sign-up and promotion use its name. Its description can change.",
                before.name
            ),
        ));
    }
    sqlx::query!(
        "UPDATE groups SET name = $2, description = $3 WHERE id = $1",
        id,
        name,
        description
    )
    .execute(&mut *tx)
    .await
    .map_err(name_taken)?;
    audit::record(
        &mut *tx,
        staff,
        audit::Entry {
            action: "group.rename",
            target_kind: "group",
            target_id: i64::from(id),
            target_label: name,
            detail: &format!("was “{}”: {}", before.name, before.description),
        },
    )
    .await?;
    tx.commit().await?;
    Ok("group_renamed")
}

pub fn is_built_in(group: &str) -> bool {
    BUILT_IN_GROUPS.contains(&group)
}
