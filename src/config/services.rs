//! The PostgreSQL and Redis connections, with local defaults in development.

use super::ConfigError;

pub(super) const DEV_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/waypost";
pub(super) const DEV_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// `DATABASE_URL`, else the Django names: in development the local `DB_*` first, in
/// production the hosted `DATABASE_RENDER_URL` first.
pub(super) fn database_url(
    get: &impl Fn(&str) -> Option<String>,
    development: bool,
) -> Result<String, ConfigError> {
    let from_parts = || -> Option<String> {
        let name = get("DB_NAME")?;
        let user = get("DB_USER").unwrap_or_else(|| "postgres".to_owned());
        let host = get("DB_HOST").unwrap_or_else(|| "127.0.0.1".to_owned());
        let port = get("DB_PORT").unwrap_or_else(|| "5432".to_owned());
        let mut url = url::Url::parse(&format!("postgres://{host}:{port}/")).ok()?;
        url.set_username(&user).ok()?;
        if let Some(password) = get("DB_PASSWORD") {
            url.set_password(Some(&password)).ok()?;
        }
        url.set_path(&name);
        Some(url.to_string())
    };
    let chosen = get("DATABASE_URL").or_else(|| {
        if development {
            from_parts().or_else(|| get("DATABASE_RENDER_URL"))
        } else {
            get("DATABASE_RENDER_URL").or_else(from_parts)
        }
    });
    match chosen {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Ok(url),
        Some(_) => Err(ConfigError::new(
            "DATABASE_URL",
            "must be a postgres:// or postgresql:// URL",
        )),
        None if development => Ok(DEV_DATABASE_URL.to_owned()),
        None => Err(ConfigError::new(
            "DATABASE_URL",
            "is required in production",
        )),
    }
}

/// What fred connects to: one server (`redis`, TLS with `rediss`), a cluster (`-cluster`,
/// seed nodes as `?node=host:port`) or the primary a Sentinel names (`-sentinel`); `valkey`
/// spellings too.
const REDIS_SCHEMES: [&str; 10] = [
    "redis://",
    "rediss://",
    "redis-cluster://",
    "rediss-cluster://",
    "redis-sentinel://",
    "valkey://",
    "valkeys://",
    "valkey-cluster://",
    "valkeys-cluster://",
    "valkey-sentinel://",
];

fn checked_redis_url(name: &'static str, url: String) -> Result<String, ConfigError> {
    if REDIS_SCHEMES.iter().any(|scheme| url.starts_with(scheme)) {
        Ok(url)
    } else {
        Err(ConfigError::new(
            name,
            "must be a redis://, rediss://, redis-cluster:// or redis-sentinel:// URL",
        ))
    }
}

/// `REDIS_URL`, else the Django blog's `REDISS_URL` (TLS, as on Render).
pub(super) fn redis_url(
    get: &impl Fn(&str) -> Option<String>,
    development: bool,
) -> Result<String, ConfigError> {
    match get("REDIS_URL").or_else(|| get("REDISS_URL")) {
        Some(url) => checked_redis_url("REDIS_URL", url),
        None if development => Ok(DEV_REDIS_URL.to_owned()),
        None => Err(ConfigError::new("REDIS_URL", "is required in production")),
    }
}

/// `CACHE_REDIS_URL`: a Redis of its own for the page cache, which may evict (`allkeys-lru`)
/// without ever touching sessions, limits or the mail queue. Unset: the cache shares
/// `REDIS_URL`, capped by `PAGE_CACHE_MAX_ENTRIES`.
pub(super) fn cache_redis_url(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, ConfigError> {
    get("CACHE_REDIS_URL")
        .filter(|url| !url.is_empty())
        .map(|url| checked_redis_url("CACHE_REDIS_URL", url))
        .transpose()
}

#[cfg(test)]
mod tests {
    use crate::config::tests::vars;
    use crate::config::Config;

    #[test]
    fn development_prefers_local_db_parts() {
        let config = Config::from_vars(vars(&[
            ("DATABASE_RENDER_URL", "postgres://u:p@render.example/blog"),
            ("DB_NAME", "blog"),
            ("DB_USER", "me"),
            ("DB_PASSWORD", "p@ss word"),
            ("DB_HOST", "db"),
        ]))
        .expect("dev config");
        assert_eq!(
            config.database_url,
            "postgres://me:p%40ss%20word@db:5432/blog"
        );
    }
}
