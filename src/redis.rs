//! Redis through one `fred` pool shared by sessions, rate limits (and later the cache and mail queue).

use fred::prelude::*;

pub type RedisPool = fred::clients::Pool;

/// Builds and connects a pool; `rediss://` URLs use TLS (as on Render).
pub async fn connect(redis_url: &str) -> Result<RedisPool, fred::error::Error> {
    let config = Config::from_url(redis_url)?;
    let pool = Builder::from_config(config)
        .with_connection_config(|c| {
            c.connection_timeout = std::time::Duration::from_secs(3);
            c.internal_command_timeout = std::time::Duration::from_secs(3);
        })
        .with_performance_config(|p| {
            p.default_command_timeout = std::time::Duration::from_secs(3);
        })
        .set_policy(ReconnectPolicy::new_exponential(0, 100, 5_000, 2))
        .build_pool(4)?;
    pool.init().await?;
    Ok(pool)
}
