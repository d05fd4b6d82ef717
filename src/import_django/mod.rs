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

mod content;
pub mod legacy_ids;
mod media;
mod people;

pub use content::ckeditor_to_markdown;
use content::{import_comments, import_posts, import_ratings};
use media::copy_media;
use people::{import_social, import_users};
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, Row, Transaction};
use std::collections::HashMap;
use std::path::PathBuf;

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

/// One Django table being imported: its rows in import order, with a progress bar. Every
/// table goes through the same steps: read the rows, leave out those an earlier run imported
/// (counted as skipped), tick per row, finish.
struct Table {
    name: &'static str,
    rows: Vec<sqlx::postgres::PgRow>,
    progress: indicatif::ProgressBar,
}

impl Table {
    /// Reads `(table, kind, label)`'s rows with `sql`; also returns the legacy ids of `kind`
    /// that earlier runs imported (legacy id → Waypost id).
    async fn read(
        source: &PgPool,
        tx: &mut Transaction<'_, Postgres>,
        options: &ImportOptions,
        (name, kind, label): (&'static str, &str, &str),
        sql: &'static str,
    ) -> Result<(Self, HashMap<i64, i64>), ImportError> {
        let rows = sqlx::query(sql)
            .fetch_all(source)
            .await
            .map_err(read(name))?;
        let known = known(tx, kind).await?;
        // Hidden when not on a terminal or not asked for.
        let progress = if options.progress {
            let bar = indicatif::ProgressBar::new(rows.len() as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{prefix:>16} [{bar:30}] {pos}/{len} {msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(label.to_owned());
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        Ok((
            Table {
                name,
                rows,
                progress,
            },
            known,
        ))
    }

    /// The rows to import now, with their legacy ids; rows in `known` are skipped (and
    /// counted in `tally`).
    fn new_rows(
        &self,
        known: &HashMap<i64, i64>,
        tally: &mut Tally,
    ) -> Result<Vec<(i64, &sqlx::postgres::PgRow)>, ImportError> {
        let mut new = Vec::with_capacity(self.rows.len());
        for row in &self.rows {
            let id: i64 = row.try_get("id").map_err(self.error())?;
            if known.contains_key(&id) {
                tally.skipped += 1;
                self.progress.inc(1);
            } else {
                new.push((id, row));
            }
        }
        Ok(new)
    }

    /// How many rows the table has (imported or not).
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn tick(&self) {
        self.progress.inc(1);
    }

    fn finish(&self) {
        self.progress.finish();
    }

    /// A reading error in this table.
    fn error(&self) -> impl Fn(sqlx::Error) -> ImportError {
        read(self.name)
    }
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
