//! `waypost import-django`: moves the Django blog's data into Waypost.
//!
//! Reads the Django tables directly (users, profiles, groups, allauth e-mail addresses and
//! social accounts, posts with co-authors, ratings, MPTT comments) and writes Waypost's in
//! **one transaction**: a failure leaves Waypost untouched and names the row. Every imported
//! row is recorded in `legacy_ids`, so a second run skips what is there and changes nothing;
//! the same table keeps the old blog's links working (`web::legacy`).
//!
//! Passwords keep their Django `pbkdf2_sha256$…` hashes (verified at login, then re-hashed
//! with argon2). CKEditor HTML becomes Markdown (`htmd`) and goes through the same renderer and
//! sanitizer as any story.

use crate::articles::server::render::{render_article, render_comment};
use crate::engagement::server::comments::path_segment;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, Row, Transaction};
use std::collections::HashMap;
use std::path::PathBuf;
use time::OffsetDateTime;

pub struct ImportOptions {
    /// The Django blog's PostgreSQL URL.
    pub source_url: String,
    /// Where the Django `MEDIA_ROOT` files are: a directory or a base URL.
    pub media_from: Option<String>,
    /// Waypost's local media directory (files are copied there); `None` with S3 storage.
    pub media_root: Option<PathBuf>,
    pub dry_run: bool,
    /// Progress bars on the terminal.
    pub progress: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub imported: u64,
    /// Already imported by an earlier run (or impossible to import; see the notes).
    pub skipped: u64,
    /// Imported with a correction (a renamed username, a dropped duplicate, …).
    pub fixed: u64,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub users: Tally,
    pub social_accounts: Tally,
    pub posts: Tally,
    pub ratings: Tally,
    pub comments: Tally,
    /// Ratings dropped because the same user rated the same post again (the latest stays).
    pub duplicate_ratings_dropped: u64,
    pub media_copied: u64,
    pub media_missing: Vec<String>,
    pub notes: Vec<String>,
    pub dry_run: bool,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{}",
            if self.dry_run {
                "Dry run: nothing was written. This is what the import would do:"
            } else {
                "Import finished:"
            }
        )?;
        for (kind, t) in [
            ("users", self.users),
            ("social accounts", self.social_accounts),
            ("posts", self.posts),
            ("ratings", self.ratings),
            ("comments", self.comments),
        ] {
            writeln!(
                f,
                "  {kind:16} {:>5} imported  {:>5} skipped  {:>5} fixed",
                t.imported, t.skipped, t.fixed
            )?;
        }
        writeln!(
            f,
            "  duplicate ratings dropped (the latest kept): {}",
            self.duplicate_ratings_dropped
        )?;
        writeln!(
            f,
            "  media files copied: {}, missing: {}",
            self.media_copied,
            self.media_missing.len()
        )?;
        for missing in &self.media_missing {
            writeln!(f, "    missing: {missing}")?;
        }
        for note in &self.notes {
            writeln!(f, "  note: {note}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot connect to the Django database: {0}")]
    Connect(sqlx::Error),
    #[error("the Django database has no table {0}: is this the blog's database, fully migrated?")]
    MissingTable(&'static str),
    #[error("reading {table}: {source}")]
    Read {
        table: &'static str,
        source: sqlx::Error,
    },
    #[error("{table} row {id}: {reason}")]
    Row {
        table: &'static str,
        id: i64,
        reason: String,
    },
    #[error("writing to Waypost: {0}")]
    Write(#[from] sqlx::Error),
}

const REQUIRED_TABLES: [&str; 10] = [
    "blogapp_myuser",
    "blogapp_profile",
    "blogapp_myuser_groups",
    "auth_group",
    "account_emailaddress",
    "socialaccount_socialaccount",
    "blogapp_blogpost",
    "blogapp_blogpost_authors",
    "blogapp_rating",
    "blogapp_comment",
];

fn row_error(table: &'static str, id: i64) -> impl Fn(sqlx::Error) -> ImportError {
    move |e| ImportError::Row {
        table,
        id,
        reason: e.to_string(),
    }
}

fn read(table: &'static str) -> impl Fn(sqlx::Error) -> ImportError {
    move |source| ImportError::Read { table, source }
}

/// A progress bar per table (hidden when not on a terminal or not asked for).
fn bar(options: &ImportOptions, table: &str, len: usize) -> indicatif::ProgressBar {
    if !options.progress {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{prefix:>16} [{bar:30}] {pos}/{len} {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(table.to_owned());
    bar
}

pub async fn run(target: &PgPool, options: &ImportOptions) -> Result<Summary, ImportError> {
    let source = PgPoolOptions::new()
        .max_connections(2)
        .connect(&options.source_url)
        .await
        .map_err(ImportError::Connect)?;
    for table in REQUIRED_TABLES {
        let exists: Option<String> = sqlx::query_scalar("SELECT to_regclass($1)::text")
            .bind(format!("public.{table}"))
            .fetch_one(&source)
            .await
            .map_err(read(table))?;
        if exists.is_none() {
            return Err(ImportError::MissingTable(table));
        }
    }
    let mut summary = Summary {
        dry_run: options.dry_run,
        ..Summary::default()
    };
    let mut media = Vec::new();
    let mut tx = target.begin().await?;
    let users = import_users(&source, &mut tx, options, &mut summary, &mut media).await?;
    import_social(&source, &mut tx, options, &users, &mut summary).await?;
    let posts = import_posts(&source, &mut tx, options, &users, &mut summary, &mut media).await?;
    import_ratings(&source, &mut tx, options, &users, &posts, &mut summary).await?;
    import_comments(&source, &mut tx, options, &users, &posts, &mut summary).await?;
    if options.dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
        copy_media(options, &media, &mut summary).await;
    }
    Ok(summary)
}

/// Legacy id → Waypost id for one kind, as recorded by earlier runs.
async fn known(
    tx: &mut Transaction<'_, Postgres>,
    kind: &str,
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT legacy_id, new_id FROM legacy_ids WHERE kind = $1",
        kind
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| (r.legacy_id, r.new_id)).collect())
}

async fn remember(
    tx: &mut Transaction<'_, Postgres>,
    kind: &str,
    legacy_id: i64,
    new_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO legacy_ids (kind, legacy_id, new_id) VALUES ($1, $2, $3)",
        kind,
        legacy_id,
        new_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Django media paths (relative to `MEDIA_ROOT`, or `/media/…` URLs) → Waypost's `/media/…`.
fn media_url(path: &str, media: &mut Vec<String>) -> Option<String> {
    let path = path.trim();
    if path.is_empty() {
        return None;
    }
    if path.starts_with("http://") || path.starts_with("https://") {
        return Some(path.to_owned());
    }
    let relative = path.trim_start_matches('/').trim_start_matches("media/");
    media.push(relative.to_owned());
    Some(format!("/media/{relative}"))
}

async fn import_users(
    source: &PgPool,
    tx: &mut Transaction<'_, Postgres>,
    options: &ImportOptions,
    summary: &mut Summary,
    media: &mut Vec<String>,
) -> Result<HashMap<i64, i64>, ImportError> {
    let rows = sqlx::query(
        r#"SELECT u.id, u.password, u.last_login, u.is_superuser, u.username, u.email, u.is_active,
                  u.is_admin, u.date_created,
                  coalesce(p.first_name, '') AS first_name, coalesce(p.last_name, '') AS last_name,
                  coalesce(p.small_status, '') AS small_status, coalesce(p.profile_desc, '') AS profile_desc,
                  coalesce(p.picture, '') AS picture,
                  EXISTS (SELECT 1 FROM account_emailaddress e
                          WHERE e.user_id = u.id AND e.verified AND lower(e.email) = lower(u.email)) AS verified,
                  EXISTS (SELECT 1 FROM blogapp_myuser_groups g JOIN auth_group ag ON ag.id = g.group_id
                          WHERE g.myuser_id = u.id AND ag.name = 'Writer') AS writer
           FROM blogapp_myuser u LEFT JOIN blogapp_profile p ON p.myuser_id = u.id
           ORDER BY u.id"#,
    )
    .fetch_all(source)
    .await
    .map_err(read("blogapp_myuser"))?;
    let mut map = known(tx, "user").await?;
    let progress = bar(options, "users", rows.len());
    for row in rows {
        progress.inc(1);
        let id: i64 = row.try_get("id").map_err(read("blogapp_myuser"))?;
        if map.contains_key(&id) {
            summary.users.skipped += 1;
            continue;
        }
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
    progress.finish();
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
        let taken = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1)) AS "taken!""#,
            candidate
        )
        .fetch_one(&mut **tx)
        .await?;
        if !taken {
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

async fn import_social(
    source: &PgPool,
    tx: &mut Transaction<'_, Postgres>,
    options: &ImportOptions,
    users: &HashMap<i64, i64>,
    summary: &mut Summary,
) -> Result<(), ImportError> {
    let rows = sqlx::query(
        "SELECT id::bigint AS id, provider, uid, user_id, extra_data->>'email' AS email,
                coalesce(extra_data->>'name', extra_data->>'username', '') AS name
         FROM socialaccount_socialaccount ORDER BY id",
    )
    .fetch_all(source)
    .await
    .map_err(read("socialaccount_socialaccount"))?;
    let done = known(tx, "social").await?;
    let progress = bar(options, "social accounts", rows.len());
    for row in rows {
        progress.inc(1);
        let r = read("socialaccount_socialaccount");
        let id: i64 = row.try_get("id").map_err(&r)?;
        if done.contains_key(&id) {
            summary.social_accounts.skipped += 1;
            continue;
        }
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
    progress.finish();
    Ok(())
}

/// CKEditor 5 HTML → Markdown. Embeds become links (their iframes would be stripped anyway);
/// the sanitizer still runs when the Markdown is rendered.
pub fn ckeditor_to_markdown(html: &str) -> String {
    let mut html = html.replace('\u{a0}', " ");
    // <oembed url="…"></oembed> (media embeds) → a plain link.
    while let Some(start) = html.find("<oembed") {
        let Some(end) = html[start..]
            .find("</oembed>")
            .map(|e| start + e + "</oembed>".len())
        else {
            break;
        };
        let tag = &html[start..end];
        let url = tag
            .split("url=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned();
        let link = if url.starts_with("https://") || url.starts_with("http://") {
            format!("<a href=\"{url}\">{url}</a>")
        } else {
            String::new()
        };
        html.replace_range(start..end, &link);
    }
    // Hostile markup (scripts, handlers, javascript: links) goes before conversion, so it is
    // not even kept in the Markdown source; the renderer's sanitizer runs again on display.
    let html = ammonia::clean(&html);
    let converter = htmd::HtmlToMarkdown::builder()
        .skip_tags(vec!["script", "style", "iframe", "object", "embed", "form"])
        .build();
    converter
        .convert(&html)
        .unwrap_or_else(|_| crate::text::escape_markup(&html))
}

async fn import_posts(
    source: &PgPool,
    tx: &mut Transaction<'_, Postgres>,
    options: &ImportOptions,
    users: &HashMap<i64, i64>,
    summary: &mut Summary,
    media: &mut Vec<String>,
) -> Result<HashMap<i64, i64>, ImportError> {
    let rows = sqlx::query(
        r#"SELECT p.id, p.title, p.subtitle, p.date_written, p.body, coalesce(p.image, '') AS image,
                  ARRAY(SELECT a.myuser_id FROM blogapp_blogpost_authors a
                        WHERE a.blogpost_id = p.id ORDER BY a.id) AS authors
           FROM blogapp_blogpost p ORDER BY p.id"#,
    )
    .fetch_all(source)
    .await
    .map_err(read("blogapp_blogpost"))?;
    let mut map = known(tx, "post").await?;
    let progress = bar(options, "posts", rows.len());
    for row in rows {
        progress.inc(1);
        let r = read("blogapp_blogpost");
        let id: i64 = row.try_get("id").map_err(&r)?;
        if map.contains_key(&id) {
            summary.posts.skipped += 1;
            continue;
        }
        let title: String = row.try_get("title").map_err(&r)?;
        let subtitle: String = row.try_get("subtitle").map_err(&r)?;
        let written: OffsetDateTime = row.try_get("date_written").map_err(&r)?;
        let body: String = row.try_get("body").map_err(&r)?;
        let image: String = row.try_get("image").map_err(&r)?;
        let legacy_authors: Vec<i64> = row.try_get("authors").map_err(&r)?;
        let authors: Vec<i64> = legacy_authors
            .iter()
            .filter_map(|a| users.get(a).copied())
            .collect();
        let Some(&owner) = authors.first() else {
            summary.posts.skipped += 1;
            summary.notes.push(format!(
                "post {id} ({title:?}) not imported: none of its authors was imported"
            ));
            continue;
        };
        let markdown = ckeditor_to_markdown(&body);
        // Inline images keep their /media/… addresses; remember them for the copy.
        for part in markdown.split("](/media/").skip(1) {
            if let Some(path) = part.split([')', ' ', '"']).next() {
                media.push(path.to_owned());
            }
        }
        let rendered = render_article(&markdown);
        let slug = free_slug(tx, &title).await?;
        let cover = media_url(&image, media);
        let cover_alt = if cover.is_some() {
            title.clone()
        } else {
            String::new()
        };
        let new_id = sqlx::query_scalar!(
            r#"INSERT INTO articles (slug, title, summary, body_md, body_html, toc, reading_minutes,
                                     cover_image, cover_alt, status, published_at, owner_id,
                                     created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'published', $10, $11, $10, $10)
               RETURNING id"#,
            slug,
            title.trim(),
            subtitle.trim(),
            markdown,
            rendered.html,
            sqlx::types::Json(&rendered.toc) as _,
            rendered.reading_minutes,
            cover,
            cover_alt,
            written,
            owner,
        )
        .fetch_one(&mut **tx)
        .await
        .map_err(row_error("blogapp_blogpost", id))?;
        for (position, author) in authors.iter().enumerate() {
            sqlx::query!(
                "INSERT INTO article_authors (article_id, user_id, position) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                new_id,
                author,
                position as i32
            )
            .execute(&mut **tx)
            .await
            .map_err(row_error("blogapp_blogpost_authors", id))?;
        }
        crate::articles::server::repo::refresh_author_names(&mut **tx, &[new_id]).await?;
        remember(tx, "post", id, new_id).await?;
        map.insert(id, new_id);
        if authors.len() < legacy_authors.len() {
            summary.posts.fixed += 1;
        } else {
            summary.posts.imported += 1;
        }
    }
    progress.finish();
    Ok(map)
}

async fn free_slug(tx: &mut Transaction<'_, Postgres>, title: &str) -> Result<String, sqlx::Error> {
    let mut base = slug::slugify(title);
    base.truncate(80);
    let base = match base.trim_end_matches('-') {
        "" => "story".to_owned(),
        b => b.to_owned(),
    };
    let mut candidate = base.clone();
    for n in 2..10_000 {
        if !crate::articles::server::repo::slug_taken(tx, &candidate, None).await? {
            break;
        }
        candidate = format!("{base}-{n}");
    }
    Ok(candidate)
}

async fn import_ratings(
    source: &PgPool,
    tx: &mut Transaction<'_, Postgres>,
    options: &ImportOptions,
    users: &HashMap<i64, i64>,
    posts: &HashMap<i64, i64>,
    summary: &mut Summary,
) -> Result<(), ImportError> {
    // One rating per user and post: the latest (highest id) of each pair.
    let rows = sqlx::query(
        "SELECT DISTINCT ON (post_id, user_id) id, rating, post_id, user_id
         FROM blogapp_rating ORDER BY post_id, user_id, id DESC",
    )
    .fetch_all(source)
    .await
    .map_err(read("blogapp_rating"))?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM blogapp_rating")
        .fetch_one(source)
        .await
        .map_err(read("blogapp_rating"))?;
    let done = known(tx, "rating").await?;
    let progress = bar(options, "ratings", rows.len());
    let mut touched = Vec::new();
    for row in &rows {
        progress.inc(1);
        let r = read("blogapp_rating");
        let id: i64 = row.try_get("id").map_err(&r)?;
        if done.contains_key(&id) {
            summary.ratings.skipped += 1;
            continue;
        }
        let stars: i32 = row.try_get("rating").map_err(&r)?;
        let (Some(&article_id), Some(&user_id)) = (
            posts.get(&row.try_get::<i64, _>("post_id").map_err(&r)?),
            users.get(&row.try_get::<i64, _>("user_id").map_err(&r)?),
        ) else {
            summary.ratings.skipped += 1;
            continue;
        };
        if !(1..=5).contains(&stars) {
            return Err(ImportError::Row {
                table: "blogapp_rating",
                id,
                reason: format!("{stars} stars is outside 1–5"),
            });
        }
        sqlx::query!(
            "INSERT INTO ratings (article_id, user_id, stars) VALUES ($1, $2, $3)
             ON CONFLICT (article_id, user_id) DO UPDATE SET stars = EXCLUDED.stars",
            article_id,
            user_id,
            stars as i16
        )
        .execute(&mut **tx)
        .await
        .map_err(row_error("blogapp_rating", id))?;
        remember(tx, "rating", id, article_id).await?;
        touched.push(article_id);
        summary.ratings.imported += 1;
    }
    progress.finish();
    if done.is_empty() {
        summary.duplicate_ratings_dropped = (total as u64).saturating_sub(rows.len() as u64);
        summary.ratings.fixed = summary.duplicate_ratings_dropped;
    }
    // Aggregates from the rows themselves: exact whatever was there before.
    sqlx::query!(
        r#"UPDATE articles a SET rating_sum = coalesce((SELECT sum(stars) FROM ratings r WHERE r.article_id = a.id), 0),
                                 rating_count = (SELECT count(*) FROM ratings r WHERE r.article_id = a.id)
           WHERE a.id = ANY($1)"#,
        &touched
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn import_comments(
    source: &PgPool,
    tx: &mut Transaction<'_, Postgres>,
    options: &ImportOptions,
    users: &HashMap<i64, i64>,
    posts: &HashMap<i64, i64>,
    summary: &mut Summary,
) -> Result<(), ImportError> {
    // MPTT order (tree, then left value): every parent comes before its replies, and
    // siblings in the order the tree keeps them.
    let rows = sqlx::query(
        "SELECT id, text, date_created, active, parent_id, parent_post_id, author_myuser_id
         FROM blogapp_comment ORDER BY tree_id, lft",
    )
    .fetch_all(source)
    .await
    .map_err(read("blogapp_comment"))?;
    let mut map = known(tx, "comment").await?;
    let progress = bar(options, "comments", rows.len());
    let mut touched = Vec::new();
    for row in rows {
        progress.inc(1);
        let r = read("blogapp_comment");
        let id: i64 = row.try_get("id").map_err(&r)?;
        if map.contains_key(&id) {
            summary.comments.skipped += 1;
            continue;
        }
        let post: i64 = row.try_get("parent_post_id").map_err(&r)?;
        let Some(&article_id) = posts.get(&post) else {
            summary.comments.skipped += 1;
            continue;
        };
        let author = users
            .get(&row.try_get::<i64, _>("author_myuser_id").map_err(&r)?)
            .copied();
        let parent: Option<i64> = row.try_get("parent_id").map_err(&r)?;
        let (parent_id, parent_path, depth) = match parent {
            None => (None, String::new(), 0),
            Some(legacy_parent) => {
                let Some(&parent_id) = map.get(&legacy_parent) else {
                    return Err(ImportError::Row {
                        table: "blogapp_comment",
                        id,
                        reason: format!("its parent {legacy_parent} was not imported before it"),
                    });
                };
                let parent =
                    sqlx::query!("SELECT path, depth FROM comments WHERE id = $1", parent_id)
                        .fetch_one(&mut **tx)
                        .await?;
                (Some(parent_id), parent.path, parent.depth + 1)
            }
        };
        let text: String = row.try_get("text").map_err(&r)?;
        let text: String = text.trim().chars().take(10_000).collect();
        let created: OffsetDateTime = row.try_get("date_created").map_err(&r)?;
        let active: bool = row.try_get("active").map_err(&r)?;
        let new_id = sqlx::query_scalar!(
            r#"SELECT nextval(pg_get_serial_sequence('comments', 'id')) AS "id!""#
        )
        .fetch_one(&mut **tx)
        .await?;
        let path = format!("{parent_path}{}", path_segment(new_id));
        // Django's text is plain: shown as typed (no Markdown), line breaks kept.
        let html = render_comment(&escape_markdown(&text));
        sqlx::query!(
            r#"INSERT INTO comments (id, article_id, parent_id, author_id, path, depth, body_md,
                                     body_html, created_at, hidden_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz,
                       CASE WHEN $10 THEN NULL ELSE $9::timestamptz END)"#,
            new_id,
            article_id,
            parent_id,
            author,
            path,
            depth,
            text,
            html,
            created,
            active,
        )
        .execute(&mut **tx)
        .await
        .map_err(row_error("blogapp_comment", id))?;
        remember(tx, "comment", id, new_id).await?;
        map.insert(id, new_id);
        touched.push(article_id);
        summary.comments.imported += 1;
    }
    progress.finish();
    sqlx::query!(
        r#"UPDATE articles a SET comment_count = (SELECT count(*) FROM comments c
                 WHERE c.article_id = a.id AND c.deleted_at IS NULL AND c.hidden_at IS NULL)
           WHERE a.id = ANY($1)"#,
        &touched
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Plain text → Markdown that renders as that text: punctuation Markdown would act on is
/// escaped, and each line break stays a line break.
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push_str("  \n");
        }
        for c in line.chars() {
            if "\\`*_{}[]()#+-.!<>|~".contains(c) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// Copies the referenced media files (after the commit; never fatal): from a directory, or
/// downloaded from a base URL. Only with local storage.
async fn copy_media(options: &ImportOptions, media: &[String], summary: &mut Summary) {
    let (Some(from), Some(root)) = (&options.media_from, &options.media_root) else {
        if options.media_from.is_some() {
            summary
                .notes
                .push("media not copied: Waypost stores media on S3; upload them there".to_owned());
        }
        return;
    };
    let mut seen = std::collections::HashSet::new();
    for relative in media {
        if !seen.insert(relative.clone()) || relative.contains("..") {
            continue;
        }
        let destination = root.join(relative);
        let bytes = if from.starts_with("http://") || from.starts_with("https://") {
            let url = format!("{}/{relative}", from.trim_end_matches('/'));
            match reqwest::get(&url).await.and_then(|r| r.error_for_status()) {
                Ok(response) => response.bytes().await.ok().map(|b| b.to_vec()),
                Err(_) => None,
            }
        } else {
            tokio::fs::read(PathBuf::from(from).join(relative))
                .await
                .ok()
        };
        let Some(bytes) = bytes else {
            summary.media_missing.push(relative.clone());
            continue;
        };
        if let Some(parent) = destination.parent() {
            let _ = tokio::fs::create_dir_all(parent).await;
        }
        match tokio::fs::write(&destination, bytes).await {
            Ok(()) => summary.media_copied += 1,
            Err(error) => summary
                .media_missing
                .push(format!("{relative} (could not write: {error})")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ckeditor_markup_becomes_markdown() {
        let md = ckeditor_to_markdown(
            "<h2>Souks</h2><p>Mint tea&nbsp;at <strong>dusk</strong> — 5\u{a0}€.</p>\
             <figure class=\"image\"><img src=\"/media/uploads/images/souk.jpg\" alt=\"Lanterns\" width=\"800\"><figcaption>Lanterns</figcaption></figure>\
             <ul><li>one</li><li>two</li></ul><blockquote><p>Quote</p></blockquote>\
             <figure class=\"media\"><oembed url=\"https://www.youtube.com/watch?v=abc\"></oembed></figure>\
             <script>alert(1)</script><a href=\"javascript:alert(2)\">map</a><img src=x onerror=alert(3)>",
        );
        assert!(!md.contains("javascript:"), "{md}");
        assert!(!md.contains("onerror"), "{md}");
        assert!(md.contains("## Souks"), "{md}");
        assert!(md.contains("**dusk**"));
        assert!(
            md.contains("![Lanterns](/media/uploads/images/souk.jpg)"),
            "{md}"
        );
        assert!(md.contains("one") && md.contains("two"));
        assert!(md.contains("> Quote"), "{md}");
        assert!(md.contains("https://www.youtube.com/watch?v=abc"));
        assert!(!md.contains("alert(1)"), "scripts are dropped: {md}");
    }

    #[test]
    fn plain_text_comments_stay_plain() {
        assert_eq!(
            escape_markdown("I <3 *this*\nreally"),
            "I \\<3 \\*this\\*  \nreally"
        );
    }
}
