//! The one place for shared server state, provided to axum handlers, page renders and server
//! functions (`expect_context::<AppState>()`), and built in one way by `main` and the tests.

use crate::cache::PageCache;
use crate::config::Config;
use crate::mail::queue::Queue;
use crate::media::Storage;
use crate::redis::RedisPool;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub redis: RedisPool,
    pub config: Arc<Config>,
    pub storage: Storage,
    /// Rendered pages for anonymous readers; commands tell it what changed.
    pub page_cache: PageCache,
    /// The e-mail job queue (sending happens in the worker pool, never in a request).
    pub mail: Queue,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("media storage: {0}")]
    Storage(String),
}

impl AppState {
    /// Everything derived from the configuration and the connections: media storage, the
    /// page cache (on `cache_redis`, which may be the same Redis) and the mail queue, all
    /// under `REDIS_PREFIX`. Starts the page cache's invalidation listener: call it inside
    /// the Tokio runtime.
    pub fn build(
        config: Config,
        leptos_options: LeptosOptions,
        pool: PgPool,
        redis: RedisPool,
        cache_redis: RedisPool,
    ) -> Result<Self, StateError> {
        let storage =
            Storage::from_config(&config.media).map_err(|e| StateError::Storage(e.to_string()))?;
        let page_cache = PageCache::new(
            cache_redis,
            &config.redis_prefix,
            config.page_cache,
            config.page_cache_ttl_secs,
            config.page_cache_max_entries,
            config.page_cache_local_mb * 1024 * 1024,
        );
        page_cache.start_listening();
        let mail = Queue::new(redis.clone(), &config.redis_prefix);
        Ok(AppState {
            leptos_options,
            pool,
            redis,
            config: Arc::new(config),
            storage,
            page_cache,
            mail,
        })
    }

    /// Namespaced Redis key: every key Waypost writes (except session ids) goes through here.
    pub fn redis_key(&self, parts: &[&str]) -> String {
        let mut key = self.config.redis_prefix.clone();
        for part in parts {
            key.push(':');
            key.push_str(part);
        }
        key
    }
}
