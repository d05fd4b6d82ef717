//! Users (with profiles, groups and verified addresses) and their social sign-in accounts.

use super::{media_url, read, remember, row_error, ImportError, ImportOptions, Summary, Table};
use sqlx::{PgPool, Postgres, Row, Transaction};
use std::collections::HashMap;
use time::OffsetDateTime;

pub(super) async fn import_users(
    source: &PgPool,
    tx: &mut Transaction<'_, Postgres>,
    options: &ImportOptions,
    summary: &mut Summary,
    media: &mut Vec<String>,
) -> Result<HashMap<i64, i64>, ImportError> {
    let (table, mut map) = Table::read(source, tx, options, ("blogapp_myuser", "user", "users"), r#"SELECT u.id, u.password, u.last_login, u.is_superuser, u.username, u.email, u.is_active,
                  u.is_admin, u.date_created,
                  coalesce(p.first_name, '') AS first_name, coalesce(p.last_name, '') AS last_name,
                  coalesce(p.small_status, '') AS small_status, coalesce(p.profile_desc, '') AS profile_desc,
                  coalesce(p.picture, '') AS picture,
                  EXISTS (SELECT 1 FROM account_emailaddress e
                          WHERE e.user_id = u.id AND e.verified AND lower(e.email) = lower(u.email)) AS verified,
                  EXISTS (SELECT 1 FROM blogapp_myuser_groups g JOIN auth_group ag ON ag.id = g.group_id
                          WHERE g.myuser_id = u.id AND ag.name = 'Writer') AS writer
           FROM blogapp_myuser u LEFT JOIN blogapp_profile p ON p.myuser_id = u.id
           ORDER BY u.id"#).await?;
    for (id, row) in table.new_rows(&map, &mut summary.users)? {
        table.tick();
        let get = |name: &str| -> Result<String, ImportError> {
            row.try_get::<String, _>(name)
                .map_err(read("blogapp_myuser"))
        };
        let email = get("email")?.trim().to_owned();
        let taken_email =
            sqlx::query_scalar!("SELECT id FROM users WHERE lower(email) = lower($1)", email)
                .fetch_optional(&mut **tx)
                .await?;
        if taken_email.is_some() {
            // Never merge into an account someone already has here: that would hand it over.
            summary.users.skipped += 1;
            summary.notes.push(format!(
                "user {id} ({email}) not imported: a Waypost account already uses that address"
            ));
            continue;
        }
        let original = get("username")?;
        let username = free_username(tx, &original).await?;
        let renamed = username != original;
        let password: String = get("password")?;
        // Django marks unusable passwords with a leading "!" (social-only accounts).
        let password_hash = password
            .starts_with(crate::accounts::server::password::DJANGO_PBKDF2_PREFIX)
            .then_some(password);
        let display_name: String =
            format!("{} {}", get("first_name")?.trim(), get("last_name")?.trim())
                .trim()
                .chars()
                .take(80)
                .collect();
        let status = get("small_status")?.trim().to_owned();
        let description = get("profile_desc")?.trim().to_owned();
        let bio: String = [status, description]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n")
            .chars()
            .take(2000)
            .collect();
        let avatar = media_url(&get("picture")?, media);
        let flag = |name: &str| row.try_get::<bool, _>(name).map_err(read("blogapp_myuser"));
        let is_staff = flag("is_admin")? || flag("is_superuser")?;
        let created: OffsetDateTime = row
            .try_get("date_created")
            .map_err(read("blogapp_myuser"))?;
        let last_login: Option<OffsetDateTime> =
            row.try_get("last_login").map_err(read("blogapp_myuser"))?;
        let new_id = sqlx::query_scalar!(
            r#"INSERT INTO users (username, email, password_hash, is_staff, is_active,
                                  email_verified_at, last_login_at, created_at)
               VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN $7::timestamptz END, $8, $7::timestamptz)
               RETURNING id"#,
            username,
            email,
            password_hash,
            is_staff,
            flag("is_active")?,
            flag("verified")?,
            created,
            last_login,
        )
        .fetch_one(&mut **tx)
        .await
        .map_err(row_error("blogapp_myuser", id))?;
        sqlx::query!(
            "INSERT INTO profiles (user_id, display_name, bio, avatar_url) VALUES ($1, $2, $3, $4)",
            new_id,
            display_name,
            bio,
            avatar,
        )
        .execute(&mut **tx)
        .await
        .map_err(row_error("blogapp_profile", id))?;
        // Everyone is a traveller in Waypost; Django's writers are writers too.
        let groups: Vec<String> = if flag("writer")? {
            vec!["traveller".to_owned(), "writer".to_owned()]
        } else {
            vec!["traveller".to_owned()]
        };
        sqlx::query!(
            "INSERT INTO user_groups (user_id, group_id) SELECT $1, id FROM groups WHERE name = ANY($2)",
            new_id,
            &groups
        )
        .execute(&mut **tx)
        .await
        .map_err(row_error("blogapp_myuser_groups", id))?;
        remember(tx, "user", id, new_id).await?;
        map.insert(id, new_id);
        if renamed {
            summary.users.fixed += 1;
            summary.notes.push(format!(
                "user {id}: username {original:?} became {username:?}"
            ));
        } else {
            summary.users.imported += 1;
        }
    }
    table.finish();
    Ok(map)
}

/// A username Waypost accepts (3–30 of `A-Za-z0-9_.-`, not reserved), unique ignoring case.
async fn free_username(
    tx: &mut Transaction<'_, Postgres>,
    wanted: &str,
) -> Result<String, sqlx::Error> {
    let base = crate::accounts::server::social::username_base(wanted, wanted);
    let mut candidate = base.clone();
    for n in 2..10_000 {
        if !crate::accounts::server::repo::username_taken(&mut **tx, &candidate).await? {
            return Ok(candidate);
        }
        let suffix = format!("-{n}");
        candidate = format!(
            "{}{suffix}",
            base.chars().take(30 - suffix.len()).collect::<String>()
        );
    }
    Ok(candidate)
}

pub(super) async fn import_social(
    source: &PgPool,
    tx: &mut Transaction<'_, Postgres>,
    options: &ImportOptions,
    users: &HashMap<i64, i64>,
    summary: &mut Summary,
) -> Result<(), ImportError> {
    let (table, done) = Table::read(
        source,
        tx,
        options,
        ("socialaccount_socialaccount", "social", "social accounts"),
        "SELECT id::bigint AS id, provider, uid, user_id, extra_data->>'email' AS email,
                coalesce(extra_data->>'name', extra_data->>'username', '') AS name
         FROM socialaccount_socialaccount ORDER BY id",
    )
    .await?;
    for (id, row) in table.new_rows(&done, &mut summary.social_accounts)? {
        table.tick();
        let r = table.error();
        let provider: String = row.try_get("provider").map_err(&r)?;
        let provider = match provider.as_str() {
            "google" => "google",
            "twitter" | "twitter_oauth2" | "x" => "x",
            other => {
                summary.social_accounts.skipped += 1;
                summary.notes.push(format!(
                    "social account {id}: provider {other:?} is not supported"
                ));
                continue;
            }
        };
        let user: i64 = row.try_get("user_id").map_err(&r)?;
        let Some(&user_id) = users.get(&user) else {
            summary.social_accounts.skipped += 1;
            continue;
        };
        let uid: String = row.try_get("uid").map_err(&r)?;
        let email: Option<String> = row.try_get("email").map_err(&r)?;
        let name: String = row.try_get("name").map_err(&r)?;
        let new_id = sqlx::query_scalar!(
            r#"INSERT INTO social_accounts (provider, provider_user_id, user_id, email, display_name)
               VALUES ($1, $2, $3, $4, $5) RETURNING id"#,
            provider,
            uid,
            user_id,
            email,
            name.chars().take(200).collect::<String>(),
        )
        .fetch_one(&mut **tx)
        .await
        .map_err(row_error("socialaccount_socialaccount", id))?;
        remember(tx, "social", id, new_id).await?;
        summary.social_accounts.imported += 1;
    }
    table.finish();
    Ok(())
}
