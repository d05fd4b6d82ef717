//! The Redis store of rendered pages. A leaf: it knows keys, scopes and Redis, nothing about
//! pages or routes. The web layer decides what may be cached and under which scopes
//! (`web::page_cache`); commands say what they changed ([`Change`]) and only the pages that
//! show it are dropped. Redis trouble never becomes an error page: a failed lookup is a miss,
//! a failed invalidation is logged and the entries expire on their own.
//!
//! In front of Redis each instance keeps the hottest pages in memory ([`local`]); every
//! invalidation is also published, so every instance drops the same pages ([`listen`]).

pub mod listen;
pub mod local;

use crate::redis::RedisPool;
use bytes::Bytes;
use fred::prelude::*;
use local::LocalPages;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Redis round trips on the page path may not slow a page down when Redis is unwell.
const REDIS_TIMEOUT: Duration = Duration::from_millis(150);

#[derive(Debug, Default)]
pub struct CacheStats {
    /// Hits from either tier; `local_hits` counts those served from this instance's memory.
    pub hits: AtomicU64,
    pub local_hits: AtomicU64,
    pub misses: AtomicU64,
    pub errors: AtomicU64,
}

/// What a cached page shows, so that a change drops exactly the pages that show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A story's own page.
    Article(String),
    /// An author's page.
    Author(String),
    /// Pages that list stories as cards (index, tags, search, writers, author pages): they
    /// show titles, bylines, ratings and comment counts.
    Lists,
}

impl Scope {
    fn key_part(&self) -> String {
        match self {
            Scope::Article(slug) => format!("article:{slug}"),
            Scope::Author(username) => format!("author:{}", username.to_lowercase()),
            Scope::Lists => "lists".to_owned(),
        }
    }
}

/// What a command changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A story's content, state or engagement (saved, published, deleted, rated, commented,
    /// favourited, co-authors): its page and every list.
    Article { slug: String },
    /// Who follows an author: their page only.
    Followers { username: String },
    /// An author's public profile (name, bio, picture): their page, their stories' pages
    /// (bylines) and every list.
    Author {
        username: String,
        article_slugs: Vec<String>,
    },
    /// Something every page may show (an account deactivated, a user renamed by staff).
    Everything,
}

impl Change {
    /// The scopes to drop; `None` means all of them.
    fn scopes(&self) -> Option<Vec<Scope>> {
        match self {
            Change::Article { slug } => Some(vec![Scope::Article(slug.clone()), Scope::Lists]),
            Change::Followers { username } => Some(vec![Scope::Author(username.clone())]),
            Change::Author {
                username,
                article_slugs,
            } => {
                let mut scopes = vec![Scope::Author(username.clone()), Scope::Lists];
                scopes.extend(article_slugs.iter().cloned().map(Scope::Article));
                Some(scopes)
            }
            Change::Everything => None,
        }
    }
}

#[derive(Clone)]
pub struct PageCache {
    redis: RedisPool,
    prefix: String,
    enabled: bool,
    ttl_secs: u64,
    /// No more entries than this are stored (the Redis holds sessions and the mail queue too).
    max_entries: u64,
    pub stats: Arc<CacheStats>,
    /// This instance's in-process tier.
    pub local: Arc<LocalPages>,
}

impl PageCache {
    /// `prefix` namespaces the keys (`{<prefix>:pagecache}:…`: one Redis Cluster hash tag,
    /// so dropping a scope's pages is one multi-key `UNLINK` on a cluster too).
    /// `local_bytes` sizes the in-process tier (0: none).
    pub fn new(
        redis: RedisPool,
        prefix: &str,
        enabled: bool,
        ttl_secs: u64,
        max_entries: u64,
        local_bytes: usize,
    ) -> Self {
        Self {
            redis,
            prefix: format!("{{{prefix}:pagecache}}"),
            enabled,
            ttl_secs,
            max_entries,
            stats: Arc::default(),
            local: Arc::new(LocalPages::new(if enabled { local_bytes } else { 0 })),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn channel(&self) -> String {
        format!("{}:invalidations", self.prefix)
    }

    /// Starts hearing other instances' invalidations, which the in-process tier needs before
    /// it serves anything (a task for the life of the process).
    pub fn start_listening(&self) {
        if self.local.enabled() {
            tokio::spawn(listen::listen(
                self.redis.clone(),
                self.channel(),
                self.local.clone(),
            ));
        }
    }

    /// Read before rendering a page that may be stored: see [`PageCache::put`].
    pub fn generation(&self) -> u64 {
        self.local.generation()
    }

    fn page_key(&self, id: &str) -> String {
        format!("{}:page:{id}", self.prefix)
    }

    fn scope_key(&self, scope: &str) -> String {
        format!("{}:scope:{scope}", self.prefix)
    }

    /// How many pages are stored (`PAGE_CACHE_MAX_ENTRIES` caps it).
    pub async fn stored_pages(&self) -> Result<u64, fred::error::Error> {
        self.redis.scard(self.scope_key("all")).await
    }

    /// The stored entry for `id`, from memory or else Redis (then kept in memory under
    /// `scopes`), counting a hit or a miss. Redis errors count as misses.
    pub async fn get(&self, id: &str, scopes: &[Scope], generation: u64) -> Option<Bytes> {
        if let Some(page) = self.local.get(id) {
            self.stats.hits.fetch_add(1, Ordering::Relaxed);
            self.stats.local_hits.fetch_add(1, Ordering::Relaxed);
            return Some(page);
        }
        let key = self.page_key(id);
        let found =
            match tokio::time::timeout(REDIS_TIMEOUT, self.redis.get::<Option<Vec<u8>>, _>(&key))
                .await
            {
                Ok(Ok(found)) => found,
                Ok(Err(_)) | Err(_) => {
                    self.stats.errors.fetch_add(1, Ordering::Relaxed);
                    None
                }
            };
        let counter = if found.is_some() {
            &self.stats.hits
        } else {
            &self.stats.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let found = found.map(Bytes::from);
        if let Some(page) = &found {
            self.local
                .put(id, page.clone(), key_parts(scopes), generation);
        }
        found
    }

    /// A replayed entry that turned out unusable: count it as a miss, not a hit.
    pub fn hit_was_unusable(&self) {
        self.stats.hits.fetch_sub(1, Ordering::Relaxed);
        self.stats.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// Stores `entry` under `id`, filed under each scope: in memory unless an invalidation
    /// came after `generation` was read (the page may predate it), and in Redis in the
    /// background (the answer doesn't wait) unless it already holds `max_entries` pages.
    pub fn put(&self, id: &str, entry: Bytes, scopes: &[Scope], generation: u64) {
        self.local
            .put(id, entry.clone(), key_parts(scopes), generation);
        let cache = self.clone();
        let key = self.page_key(id);
        let scope_keys: Vec<String> = scopes
            .iter()
            .map(|s| self.scope_key(&s.key_part()))
            .chain([self.scope_key("all")])
            .collect();
        tokio::spawn(async move {
            let ttl = cache.ttl_secs as i64;
            let store = async {
                let held: u64 = cache.redis.scard(cache.scope_key("all")).await?;
                if held >= cache.max_entries {
                    return Ok(());
                }
                let _: () = cache
                    .redis
                    .set(&key, entry, Some(Expiration::EX(ttl)), None, false)
                    .await?;
                for scope in &scope_keys {
                    let _: () = cache.redis.sadd(scope, &key).await?;
                    let _: () = cache.redis.expire(scope, ttl * 2, None).await?;
                }
                Ok::<(), fred::error::Error>(())
            };
            if !matches!(
                tokio::time::timeout(REDIS_TIMEOUT * 4, store).await,
                Ok(Ok(()))
            ) {
                cache.stats.errors.fetch_add(1, Ordering::Relaxed);
            }
        });
    }

    /// Drops the pages that show what changed, here, in Redis, and (by a published message)
    /// in every other instance's memory.
    pub async fn invalidate(&self, change: Change) {
        let scopes: Vec<String> = match change.scopes() {
            Some(scopes) => key_parts(&scopes),
            None => vec!["all".to_owned()],
        };
        self.local.drop_scopes(&scopes);
        let drop_shared = async {
            for scope in &scopes {
                let set = self.scope_key(scope);
                let members: Vec<String> = self.redis.smembers(&set).await?;
                for chunk in members.chunks(500) {
                    let _: () = self.redis.unlink(chunk.to_vec()).await?;
                }
                let _: () = self.redis.del(&set).await?;
            }
            Ok::<(), fred::error::Error>(())
        };
        // After Redis: an instance that hears this must not refill its memory from Redis.
        let tell_others = async {
            let _: i64 = self
                .redis
                .next()
                .publish(self.channel(), listen::encode(&scopes))
                .await?;
            Ok::<(), fred::error::Error>(())
        };
        for (step, done) in [
            ("dropping pages", within(drop_shared).await),
            ("telling other instances", within(tell_others).await),
        ] {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(%error, step, "page cache invalidation failed"),
                Err(_) => tracing::warn!(step, "page cache invalidation timed out"),
            }
        }
    }
}

async fn within<T>(
    step: impl std::future::Future<Output = T>,
) -> Result<T, tokio::time::error::Elapsed> {
    tokio::time::timeout(Duration::from_secs(2), step).await
}

fn key_parts(scopes: &[Scope]) -> Vec<String> {
    scopes.iter().map(Scope::key_part).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_the_scopes_that_show_them() {
        let article = Change::Article {
            slug: "lima".into(),
        };
        assert_eq!(
            article.scopes(),
            Some(vec![Scope::Article("lima".into()), Scope::Lists])
        );
        let follow = Change::Followers {
            username: "Ana".into(),
        };
        assert_eq!(follow.scopes(), Some(vec![Scope::Author("Ana".into())]));
        assert_eq!(Scope::Author("Ana".into()).key_part(), "author:ana");
        assert_eq!(Change::Everything.scopes(), None);
    }
}
