//! PostgreSQL: one pool for the process, the database created if missing, migrations at start.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::str::FromStr;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("DATABASE_URL is not a valid PostgreSQL URL: {0}")]
    InvalidUrl(sqlx::Error),
    #[error("cannot connect to PostgreSQL: {0}")]
    Connect(sqlx::Error),
    #[error("cannot create database {name}: {source}")]
    Create { name: String, source: sqlx::Error },
    #[error("migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// How long start-up waits for PostgreSQL to accept connections (containers start in any
/// order; a managed database may be waking up).
const STARTUP_WAIT: Duration = Duration::from_secs(60);

/// Connects (creating the database first if it does not exist) and applies migrations.
pub async fn connect_and_migrate(database_url: &str) -> Result<PgPool, DbSetupError> {
    let options = PgConnectOptions::from_str(database_url)
        .map_err(DbSetupError::InvalidUrl)?
        .log_statements(tracing::log::LevelFilter::Trace);
    let started = std::time::Instant::now();
    loop {
        match create_database_if_missing(&options).await {
            Err(DbSetupError::Connect(error))
                if is_unreachable(&error) && started.elapsed() < STARTUP_WAIT =>
            {
                tracing::warn!(%error, "PostgreSQL is not reachable yet; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            other => break other?,
        }
    }
    let pool = PgPoolOptions::new()
        .max_connections(20)
        .min_connections(2)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(DbSetupError::Connect)?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// Connection refused or reset, or a server still starting: worth waiting for.
fn is_unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => true,
        // 57P03: the database system is starting up.
        sqlx::Error::Database(e) => e.code().as_deref() == Some("57P03"),
        _ => false,
    }
}

async fn create_database_if_missing(options: &PgConnectOptions) -> Result<(), DbSetupError> {
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    // Connect to the maintenance database to look for (and create) the target one.
    let mut admin =
        sqlx::postgres::PgConnection::connect_with(&options.clone().database("postgres"))
            .await
            .map_err(DbSetupError::Connect)?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .map_err(DbSetupError::Connect)?;
    if !exists {
        // Identifiers cannot be bound as parameters: quote it, doubling any embedded quote.
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        match sqlx::query(&format!("CREATE DATABASE {quoted}"))
            .execute(&mut admin)
            .await
        {
            Ok(_) => tracing::info!(database = %name, "created database"),
            // Another process created it between our check and our CREATE.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(source) => return Err(DbSetupError::Create { name, source }),
        }
    }
    let _ = admin.close().await;
    Ok(())
}

/// True when a database error is a violation of the named unique constraint or index.
pub fn is_unique_violation(error: &sqlx::Error, constraint: &str) -> bool {
    match error {
        sqlx::Error::Database(e) => e.is_unique_violation() && e.constraint() == Some(constraint),
        _ => false,
    }
}
