//! The staff audit log: one row per moderation or administration action, written by the
//! command that acted, in the same transaction as the change.

use crate::accounts::server::User;

pub struct Entry<'a> {
    /// What was done, e.g. `comment.delete`, `user.promote`.
    pub action: &'a str,
    /// What it was done to: `user`, `article`, `comment`, `group`.
    pub target_kind: &'a str,
    pub target_id: i64,
    /// A readable name for the target, kept in case it is deleted later.
    pub target_label: &'a str,
    pub detail: &'a str,
}

pub async fn record(
    executor: impl sqlx::PgExecutor<'_>,
    actor: &User,
    entry: Entry<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO audit_log (actor_id, actor_username, action, target_kind, target_id, target_label, detail)
           VALUES ($1, $2, $3, $4, $5, $6, $7)"#,
        actor.id,
        actor.username,
        entry.action,
        entry.target_kind,
        entry.target_id.to_string(),
        entry.target_label,
        entry.detail,
    )
    .execute(executor)
    .await?;
    Ok(())
}
