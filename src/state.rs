//! The one place for shared server state, provided to axum handlers, page renders and server
//! functions (`expect_context::<AppState>()`).

use crate::config::Config;
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
    pub storage: crate::media::Storage,
    pub cache_stats: Arc<crate::cache::CacheStats>,
    /// The e-mail job queue (sending happens in the worker pool, never in a request).
    pub mail: crate::mail::queue::Queue,
}

impl AppState {
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
