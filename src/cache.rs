//! The Redis store of rendered pages. A leaf: it knows keys, scopes and Redis, nothing about
//! pages or routes. The web layer decides what may be cached and under which scopes
//! (`web::page_cache`); commands say what they changed ([`Change`]) and only the pages that
//! show it are dropped. Redis trouble never becomes an error page: a failed lookup is a miss,
//! a failed invalidation is logged and the entries expire on their own.

use crate::redis::RedisPool;
use fred::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Redis round trips on the page path may not slow a page down when Redis is unwell.
const REDIS_TIMEOUT: Duration = Duration::from_millis(150);

#[derive(Debug, Default)]
pub struct CacheStats {
    pub hits: AtomicU64,
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
}

impl PageCache {
    /// `prefix` namespaces the keys (`{<prefix>:pagecache}:…`: one Redis Cluster hash tag,
    /// so dropping a scope's pages is one multi-key `UNLINK` on a cluster too).
    pub fn new(
        redis: RedisPool,
        prefix: &str,
        enabled: bool,
        ttl_secs: u64,
        max_entries: u64,
    ) -> Self {
        Self {
            redis,
            prefix: format!("{{{prefix}:pagecache}}"),
            enabled,
            ttl_secs,
            max_entries,
            stats: Arc::default(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
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

    /// The stored entry for `id`, counting a hit or a miss. Redis errors count as misses.
    pub async fn get(&self, id: &str) -> Option<Vec<u8>> {
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
        found
    }

    /// A replayed entry that turned out unusable: count it as a miss, not a hit.
    pub fn hit_was_unusable(&self) {
        self.stats.hits.fetch_sub(1, Ordering::Relaxed);
        self.stats.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// Stores `entry` under `id`, filed under each scope (in the background: the answer
    /// doesn't wait for Redis), unless the cache already holds `max_entries` pages.
    pub fn put(&self, id: &str, entry: Vec<u8>, scopes: &[Scope]) {
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

    /// Drops the pages that show what changed.
    pub async fn invalidate(&self, change: Change) {
        let scopes: Vec<String> = match change.scopes() {
            Some(scopes) => scopes.iter().map(Scope::key_part).collect(),
            None => vec!["all".to_owned()],
        };
        let drop_scopes = async {
            for scope in scopes {
                let set = self.scope_key(&scope);
                let members: Vec<String> = self.redis.smembers(&set).await?;
                for chunk in members.chunks(500) {
                    let _: () = self.redis.unlink(chunk.to_vec()).await?;
                }
                let _: () = self.redis.del(&set).await?;
            }
            Ok::<(), fred::error::Error>(())
        };
        match tokio::time::timeout(Duration::from_secs(2), drop_scopes).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "page cache invalidation failed"),
            Err(_) => tracing::warn!("page cache invalidation timed out"),
        }
    }
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
