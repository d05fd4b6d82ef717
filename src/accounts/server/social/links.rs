//! Linked provider identities: the repository of `social_accounts` and the linking rules.

use super::super::oauth::{self, Identity};
use super::super::repo::{self, User};
use crate::accounts::model::{ProviderLink, SignInMethods, SocialProvider};
use crate::error::AppError;
use crate::state::AppState;
use sqlx::PgPool;

#[derive(Debug, PartialEq, Eq)]
pub enum LinkOutcome {
    Linked,
    AlreadyYours,
    /// The identity belongs to another Waypost account.
    Taken,
    /// This user already linked another account of the same provider.
    ProviderAlreadyLinked,
}

pub async fn linked_user(
    pool: &PgPool,
    provider: SocialProvider,
    subject: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT user_id FROM social_accounts WHERE provider = $1 AND provider_user_id = $2",
        provider.as_str(),
        subject,
    )
    .fetch_optional(pool)
    .await
}

pub async fn link_identity(
    pool: &PgPool,
    user_id: i64,
    identity: &Identity,
) -> Result<LinkOutcome, AppError> {
    let mut tx = pool.begin().await?;
    let outcome = link_identity_in(&mut tx, user_id, identity).await?;
    tx.commit().await?;
    Ok(outcome)
}

async fn link_identity_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user_id: i64,
    identity: &Identity,
) -> Result<LinkOutcome, AppError> {
    let inserted = sqlx::query!(
        r#"INSERT INTO social_accounts (provider, provider_user_id, user_id, email, display_name)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT DO NOTHING"#,
        identity.provider.as_str(),
        identity.subject,
        user_id,
        identity.verified_email,
        identity.name.chars().take(200).collect::<String>(),
    )
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(LinkOutcome::Linked);
    }
    let owner = sqlx::query_scalar!(
        "SELECT user_id FROM social_accounts WHERE provider = $1 AND provider_user_id = $2",
        identity.provider.as_str(),
        identity.subject,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match owner {
        Some(owner) if owner == user_id => LinkOutcome::AlreadyYours,
        Some(_) => LinkOutcome::Taken,
        None => LinkOutcome::ProviderAlreadyLinked,
    })
}

pub enum Created {
    User(User),
    EmailTaken,
}

/// A new traveller for a social identity: user, profile, membership and the link in one
/// transaction. The username comes from the provider's hint (or `chosen`), de-duplicated.
pub async fn create_social_user(
    pool: &PgPool,
    identity: &Identity,
    email: &str,
    email_verified: bool,
    display_name: &str,
    chosen: Option<&str>,
    group: &str,
) -> Result<Created, AppError> {
    let base = match chosen {
        Some(name) => name.to_owned(),
        None => username_base(&identity.username_hint, &identity.name),
    };
    for attempt in 0..20 {
        let username = match (chosen, attempt) {
            (_, 0) => base.clone(),
            // A chosen name that is taken is the person's to change, not ours.
            (Some(_), _) => break,
            (None, n) => with_suffix(&base, n),
        };
        let mut tx = pool.begin().await?;
        let created = repo::create_user_in(
            &mut tx,
            repo::NewUser {
                username,
                email: email.to_owned(),
                password_hash: None,
                display_name: display_name.to_owned(),
                email_verified,
                group: group.to_owned(),
            },
        )
        .await;
        match created {
            Ok(user) => {
                if link_identity_in(&mut tx, user.id, identity).await? != LinkOutcome::Linked {
                    // The identity got linked elsewhere meanwhile: leave nothing behind.
                    return Err(AppError::conflict(
                        "email",
                        "That account was just linked elsewhere. Start again.",
                    ));
                }
                tx.commit().await?;
                tracing::info!(
                    user_id = user.id,
                    provider = identity.provider.as_str(),
                    "new social account"
                );
                return Ok(Created::User(user));
            }
            Err(error) if error.field("email").is_some() => return Ok(Created::EmailTaken),
            Err(error) if error.field("username").is_some() => continue,
            Err(error) => return Err(error),
        }
    }
    Err(AppError::conflict(
        "username",
        "That username is taken. Please pick another.",
    ))
}

/// A valid username from the provider's hint: allowed characters only, 3–30 long, never a
/// reserved word.
pub fn username_base(hint: &str, name: &str) -> String {
    let clean = |raw: &str| -> String {
        raw.chars()
            .filter_map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                    Some(c)
                } else if c.is_whitespace() {
                    Some('_')
                } else {
                    None
                }
            })
            .take(30)
            .collect::<String>()
            .trim_matches(|c| matches!(c, '.' | '-' | '_'))
            .to_owned()
    };
    let mut base = clean(hint);
    if base.len() < 3 {
        base = clean(name);
    }
    if base.len() < 3 {
        base = "traveller".to_owned();
    }
    let mut errors = crate::error::FieldErrors::new();
    crate::accounts::rules::check_username(&base, &mut errors);
    if !errors.is_empty() {
        base = format!("{}_1", base.chars().take(27).collect::<String>());
    }
    base
}

fn with_suffix(base: &str, n: u32) -> String {
    let suffix = format!("{}", n + 1);
    let keep = 30 - suffix.len();
    format!("{}{suffix}", base.chars().take(keep).collect::<String>())
}

#[derive(Debug, PartialEq, Eq)]
pub enum UnlinkOutcome {
    Unlinked,
    NotLinked,
    /// Refused: without it the user could not sign in at all.
    LastMethod,
}

pub async fn unlink_identity(
    pool: &PgPool,
    user_id: i64,
    provider: SocialProvider,
) -> Result<UnlinkOutcome, AppError> {
    let mut tx = pool.begin().await?;
    // The user row lock serializes two concurrent unlinks of a user's last two methods.
    let has_password = sqlx::query_scalar!(
        "SELECT password_hash IS NOT NULL AS \"has!\" FROM users WHERE id = $1 FOR UPDATE",
        user_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let linked: Vec<String> = sqlx::query_scalar!(
        "SELECT provider FROM social_accounts WHERE user_id = $1",
        user_id
    )
    .fetch_all(&mut *tx)
    .await?;
    if !linked.iter().any(|p| p == provider.as_str()) {
        return Ok(UnlinkOutcome::NotLinked);
    }
    if !has_password && linked.len() == 1 {
        return Ok(UnlinkOutcome::LastMethod);
    }
    sqlx::query!(
        "DELETE FROM social_accounts WHERE user_id = $1 AND provider = $2",
        user_id,
        provider.as_str()
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(UnlinkOutcome::Unlinked)
}

/// The account page's list: password or not, and each configured provider.
pub async fn sign_in_methods(state: &AppState, user_id: i64) -> Result<SignInMethods, AppError> {
    let has_password = sqlx::query_scalar!(
        "SELECT password_hash IS NOT NULL AS \"has!\" FROM users WHERE id = $1",
        user_id
    )
    .fetch_one(&state.pool)
    .await?;
    let rows = sqlx::query!(
        r#"SELECT provider, display_name, email, to_char(linked_at, 'FMDD Mon YYYY') AS "linked_on!"
           FROM social_accounts WHERE user_id = $1"#,
        user_id
    )
    .fetch_all(&state.pool)
    .await?;
    let providers = SocialProvider::ALL
        .into_iter()
        .filter(|p| {
            oauth::provider_config(&state.config, *p).is_ok()
                || rows.iter().any(|r| r.provider == p.as_str())
        })
        .map(|provider| {
            let row = rows.iter().find(|r| r.provider == provider.as_str());
            ProviderLink {
                provider,
                linked_as: row.map(|r| {
                    if r.display_name.is_empty() {
                        r.email.clone().unwrap_or_else(|| "linked".to_owned())
                    } else {
                        r.display_name.clone()
                    }
                }),
                linked_on: row.map(|r| r.linked_on.clone()),
            }
        })
        .collect();
    Ok(SignInMethods {
        has_password,
        providers,
    })
}

#[cfg(test)]
mod tests {
    use super::super::super::password::constant_time_eq;
    use super::*;

    #[test]
    fn usernames_from_provider_hints() {
        assert_eq!(username_base("ana_travels", "Ana"), "ana_travels");
        assert_eq!(username_base("a", "Ana María Ruiz"), "Ana_Mara_Ruiz");
        assert_eq!(username_base("", "李"), "traveller");
        assert_eq!(
            username_base("admin", ""),
            "admin_1",
            "reserved words are avoided"
        );
        assert_eq!(with_suffix("ana", 1), "ana2");
        assert_eq!(with_suffix(&"a".repeat(30), 9).len(), 30);
    }

    #[test]
    fn state_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
