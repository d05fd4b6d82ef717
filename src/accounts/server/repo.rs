//! Account queries. Every statement is parameterized and checked at compile time (`.sqlx/`).

use crate::accounts::model::{OwnProfile, PublicProfile};
use crate::db::is_unique_violation;
use crate::error::AppError;
use sqlx::PgPool;

pub use super::user::User;

pub struct NewUser {
    pub username: String,
    pub email: String,
    /// `None` for an account that signs in only through a social provider.
    pub password_hash: Option<String>,
    pub display_name: String,
    /// The provider vouched for the address (Google's `email_verified`).
    pub email_verified: bool,
    /// The group the account joins (`SIGNUP_GROUP`: travellers, unless configured).
    pub group: String,
}

/// Creates the user, their profile and their group membership in one transaction:
/// either all three exist afterwards or none does.
pub async fn create_user(pool: &PgPool, new: NewUser) -> Result<User, AppError> {
    let mut tx = pool.begin().await?;
    let user = create_user_in(&mut tx, new).await?;
    tx.commit().await?;
    Ok(user)
}

/// [`create_user`] inside the caller's transaction (social sign-up adds the linked identity
/// in the same one).
pub async fn create_user_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    new: NewUser,
) -> Result<User, AppError> {
    let inserted = sqlx::query_as!(
        User,
        r#"INSERT INTO users (username, email, password_hash, email_verified_at)
           VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END)
           RETURNING id, username, email, password_hash, is_staff, is_active,
                     email_verified_at IS NOT NULL AS "email_verified!", session_generation, kept_jwt_id,
                     user_permissions(id, is_staff) AS "permissions!", username AS "display_name!""#,
        new.username,
        new.email,
        new.password_hash,
        new.email_verified,
    )
    .fetch_one(&mut **tx)
    .await;
    let user = match inserted {
        Ok(user) => user,
        Err(e) if is_unique_violation(&e, "users_email_lower_key") => {
            return Err(AppError::conflict(
                "email",
                "An account with this e-mail already exists. Try logging in instead.",
            ))
        }
        Err(e) if is_unique_violation(&e, "users_username_lower_key") => {
            return Err(AppError::conflict("username", "That username is taken."))
        }
        Err(e) => return Err(e.into()),
    };
    sqlx::query!(
        "INSERT INTO profiles (user_id, display_name) VALUES ($1, $2)",
        user.id,
        new.display_name,
    )
    .execute(&mut **tx)
    .await?;
    let joined = sqlx::query!(
        "INSERT INTO user_groups (user_id, group_id) SELECT $1, id FROM groups WHERE name = $2",
        user.id,
        new.group,
    )
    .execute(&mut **tx)
    .await?;
    if joined.rows_affected() != 1 {
        tracing::error!(
            group = new.group,
            "sign-up group is missing (SIGNUP_GROUP names no group)"
        );
        return Err(AppError::Internal);
    }
    Ok(user)
}

/// Looks a user up by e-mail or username, case-insensitively.
pub async fn find_by_login(pool: &PgPool, identifier: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"SELECT id, username, email, password_hash, is_staff, is_active,
                  email_verified_at IS NOT NULL AS "email_verified!", session_generation, kept_jwt_id,
                  user_permissions(id, is_staff) AS "permissions!",
                  coalesce(user_display_name(id), username) AS "display_name!"
           FROM users
           WHERE lower(email) = lower($1) OR lower(username) = lower($1)
           ORDER BY (lower(email) = lower($1)) DESC
           LIMIT 1"#,
        identifier,
    )
    .fetch_optional(pool)
    .await
}

/// Usernames are unique ignoring case (sign-up, the Django importer).
pub async fn username_taken<'c>(
    db: impl sqlx::PgExecutor<'c>,
    username: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1)) AS "taken!""#,
        username,
    )
    .fetch_one(db)
    .await
}

pub async fn find_by_email(pool: &PgPool, email: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"SELECT id, username, email, password_hash, is_staff, is_active,
                  email_verified_at IS NOT NULL AS "email_verified!", session_generation, kept_jwt_id,
                  user_permissions(id, is_staff) AS "permissions!",
                  coalesce(user_display_name(id), username) AS "display_name!"
           FROM users WHERE lower(email) = lower($1)"#,
        email,
    )
    .fetch_optional(pool)
    .await
}

pub async fn mark_email_verified(pool: &PgPool, user_id: i64) -> Result<(), sqlx::Error> {
    mark_email_verified_in(pool, user_id).await
}

/// [`mark_email_verified`] on a pool or inside a transaction.
pub async fn mark_email_verified_in<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1",
        user_id
    )
    .execute(executor)
    .await?;
    Ok(())
}

pub async fn change_email(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user_id: i64,
    new_email: &str,
) -> Result<(), AppError> {
    let changed = sqlx::query!(
        "UPDATE users SET email = $2, email_verified_at = now(), updated_at = now() WHERE id = $1",
        user_id,
        new_email,
    )
    .execute(&mut **tx)
    .await;
    match changed {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e, "users_email_lower_key") => Err(AppError::conflict(
            "token",
            "Another account started using that address in the meantime.",
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn find_by_id(pool: &PgPool, id: i64) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"SELECT id, username, email, password_hash, is_staff, is_active,
                  email_verified_at IS NOT NULL AS "email_verified!", session_generation, kept_jwt_id,
                  user_permissions(id, is_staff) AS "permissions!",
                  coalesce(user_display_name(id), username) AS "display_name!"
           FROM users WHERE id = $1"#,
        id,
    )
    .fetch_optional(pool)
    .await
}

pub async fn record_login(pool: &PgPool, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE users SET last_login_at = now() WHERE id = $1", id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn group_names(pool: &PgPool, user_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT g.name FROM user_groups ug JOIN groups g ON g.id = ug.group_id
           WHERE ug.user_id = $1 ORDER BY g.name"#,
        user_id,
    )
    .fetch_all(pool)
    .await
}

/// Adds the user to a group by name (used by staff promotion and tests); idempotent.
pub async fn add_to_group(pool: &PgPool, user_id: i64, group: &str) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        r#"INSERT INTO user_groups (user_id, group_id)
           SELECT $1, id FROM groups WHERE name = $2
           ON CONFLICT DO NOTHING"#,
        user_id,
        group,
    )
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn public_profile(
    pool: &PgPool,
    username: &str,
) -> Result<Option<PublicProfile>, sqlx::Error> {
    sqlx::query_as!(
        PublicProfile,
        r#"SELECT u.username, p.display_name, p.bio, p.avatar_url, p.x_handle, p.website,
                  to_char(u.created_at, 'FMMonth YYYY') AS "joined!",
                  EXISTS (SELECT 1 FROM user_groups ug JOIN groups g ON g.id = ug.group_id
                          WHERE ug.user_id = u.id AND g.name = 'writer') AS "is_writer!"
           FROM users u JOIN profiles p ON p.user_id = u.id
           WHERE lower(u.username) = lower($1) AND u.is_active"#,
        username,
    )
    .fetch_optional(pool)
    .await
}

pub async fn own_profile(pool: &PgPool, user_id: i64) -> Result<OwnProfile, sqlx::Error> {
    sqlx::query_as!(
        OwnProfile,
        r#"SELECT u.username, u.email, p.display_name, p.bio,
                  coalesce(p.x_handle, '') AS "x_handle!", coalesce(p.website, '') AS "website!",
                  u.email_verified_at IS NOT NULL AS "email_verified!", p.notify_comments
           FROM users u JOIN profiles p ON p.user_id = u.id
           WHERE u.id = $1"#,
        user_id,
    )
    .fetch_one(pool)
    .await
}

/// Sets a new password hash (on the pool, or inside a transaction with `&mut *tx`).
pub async fn set_password<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    user_id: i64,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1",
        user_id,
        password_hash,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// `waypost createsuperuser` (Django's command): a staff account with a confirmed address,
/// also in the writer group so the menu offers Write.
pub async fn create_superuser(
    pool: &PgPool,
    username: &str,
    email: &str,
    password_hash: String,
) -> Result<User, AppError> {
    let mut tx = pool.begin().await?;
    let mut user = create_user_in(
        &mut tx,
        NewUser {
            username: username.to_owned(),
            email: email.to_owned(),
            password_hash: Some(password_hash),
            display_name: String::new(),
            email_verified: true,
            group: "writer".to_owned(),
        },
    )
    .await?;
    sqlx::query!("UPDATE users SET is_staff = TRUE WHERE id = $1", user.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    user.is_staff = true;
    Ok(user)
}

/// Account changes made through the JSON API's `PUT /api/user`, inside one transaction.
pub async fn set_username(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user_id: i64,
    username: &str,
) -> Result<(), AppError> {
    let changed = sqlx::query!(
        "UPDATE users SET username = $2, updated_at = now() WHERE id = $1",
        user_id,
        username,
    )
    .execute(&mut **tx)
    .await;
    match changed {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e, "users_username_lower_key") => {
            Err(AppError::conflict("username", "That username is taken."))
        }
        Err(e) => Err(e.into()),
    }
}

/// A new address, unconfirmed until the verification link is followed.
pub async fn set_email_unverified(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user_id: i64,
    email: &str,
) -> Result<(), AppError> {
    let changed = sqlx::query!(
        "UPDATE users SET email = $2, email_verified_at = NULL, updated_at = now() WHERE id = $1",
        user_id,
        email,
    )
    .execute(&mut **tx)
    .await;
    match changed {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e, "users_email_lower_key") => Err(AppError::conflict(
            "email",
            "An account with this e-mail already exists.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Ends every session of the account but the one that asked: JWTs issued before now stop
/// working (except `keep_jwt`), API tokens are revoked (except `keep_api_token`). Cookie
/// sessions end by themselves when the password hash they carry changes.
pub async fn end_other_sessions(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user_id: i64,
    keep_jwt: Option<&str>,
    keep_api_token: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET session_generation = session_generation + 1, kept_jwt_id = $2
         WHERE id = $1",
        user_id,
        keep_jwt,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE api_tokens SET revoked_at = now()
         WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2",
        user_id,
        keep_api_token,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks `email` confirmed if it is still the account's address; false when the account has
/// moved to another address since (the link was for the old one).
pub async fn confirm_current_email<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    user_id: i64,
    email: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE users SET email_verified_at = coalesce(email_verified_at, now())
         WHERE id = $1 AND lower(email) = lower($2)",
        user_id,
        email,
    )
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Social sign-in links of an account whose address was never confirmed (a reset proves the
/// mailbox; whoever linked them may not have owned it). Returns how many went.
pub async fn drop_social_links_if_unconfirmed(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user_id: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "DELETE FROM social_accounts s USING users u
         WHERE s.user_id = u.id AND u.id = $1 AND u.email_verified_at IS NULL",
        user_id
    )
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

pub struct SignedArticle {
    pub id: i64,
    pub slug: String,
}

/// The articles an account signs, for refreshing bylines after a name change.
pub async fn signed_articles<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    user_id: i64,
) -> Result<Vec<SignedArticle>, sqlx::Error> {
    sqlx::query_as!(
        SignedArticle,
        "SELECT a.id, a.slug FROM article_authors aa JOIN articles a ON a.id = aa.article_id
         WHERE aa.user_id = $1",
        user_id
    )
    .fetch_all(executor)
    .await
}

/// Everything the profile command may change, written at once.
pub struct ProfileRow {
    pub display_name: String,
    pub bio: String,
    pub x_handle: Option<String>,
    pub website: Option<String>,
    pub avatar_url: Option<String>,
    pub notify_comments: bool,
}

pub async fn profile_row<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    user_id: i64,
) -> Result<ProfileRow, sqlx::Error> {
    sqlx::query_as!(
        ProfileRow,
        "SELECT display_name, bio, x_handle, website, avatar_url, notify_comments
         FROM profiles WHERE user_id = $1",
        user_id
    )
    .fetch_one(executor)
    .await
}

pub async fn write_profile(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user_id: i64,
    row: &ProfileRow,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE profiles
           SET display_name = $2, bio = $3, x_handle = $4, website = $5, avatar_url = $6,
               notify_comments = $7, updated_at = now()
           WHERE user_id = $1"#,
        user_id,
        row.display_name,
        row.bio,
        row.x_handle,
        row.website,
        row.avatar_url,
        row.notify_comments,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct ProfileRecord {
    pub id: i64,
    pub username: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub following: bool,
}

/// An active user's public profile, with whether `viewer` follows them.
pub async fn profile_by_username(
    pool: &PgPool,
    username: &str,
    viewer: Option<i64>,
) -> Result<Option<ProfileRecord>, sqlx::Error> {
    sqlx::query_as!(
        ProfileRecord,
        r#"SELECT u.id, u.username, p.bio, p.avatar_url AS "avatar_url?",
                  EXISTS (SELECT 1 FROM follows WHERE follower_id = $2 AND followee_id = u.id) AS "following!"
           FROM users u JOIN profiles p ON p.user_id = u.id
           WHERE lower(u.username) = lower($1) AND u.is_active"#,
        username,
        viewer,
    )
    .fetch_optional(pool)
    .await
}
