//! What the place pages make from the places alone (maps, place lists), kept per process with
//! the places version it was made at (`places_version`, raised by every story recount). A
//! request reads the version — one tiny row — and reuses what was made at it; a newer version
//! makes it again. So every instance is exactly as current as the database, with nothing to
//! invalidate across instances.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

pub struct AtVersion<K, V> {
    made: Mutex<HashMap<K, (i64, Arc<V>)>>,
    capacity: usize,
}

impl<K: Hash + Eq, V> AtVersion<K, V> {
    /// Holds at most `capacity` keys (a full table starts over).
    pub fn new(capacity: usize) -> Self {
        Self {
            made: Mutex::default(),
            capacity,
        }
    }

    fn made(&self) -> std::sync::MutexGuard<'_, HashMap<K, (i64, Arc<V>)>> {
        self.made
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What was made for `key` at `version`, or `make`'s result, kept for the next request.
    /// Made from data read after `version` was: at least as new as it, never older.
    pub async fn get_or_make<E, F>(&self, key: K, version: i64, make: F) -> Result<Arc<V>, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        if let Some((at, value)) = self.made().get(&key) {
            if *at == version {
                return Ok(Arc::clone(value));
            }
        }
        let value = Arc::new(make.await?);
        let mut made = self.made();
        if made.len() >= self.capacity {
            made.clear();
        }
        made.insert(key, (version, Arc::clone(&value)));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn made_again_only_for_a_new_version() {
        let kept = AtVersion::<&str, String>::new(8);
        let make = |text: &'static str| async move { Ok::<_, ()>(text.to_owned()) };
        assert_eq!(
            *kept.get_or_make("world", 1, make("v1")).await.unwrap(),
            "v1"
        );
        assert_eq!(
            *kept
                .get_or_make("world", 1, make("v1 again"))
                .await
                .unwrap(),
            "v1",
            "reused at the same version"
        );
        assert_eq!(
            *kept.get_or_make("world", 2, make("v2")).await.unwrap(),
            "v2"
        );
        assert_eq!(
            *kept.get_or_make("peru", 2, make("peru")).await.unwrap(),
            "peru"
        );
    }

    #[tokio::test]
    async fn a_failure_keeps_nothing() {
        let kept = AtVersion::<(), String>::new(8);
        let failed = kept
            .get_or_make((), 1, async { Err::<String, _>("down") })
            .await;
        assert!(failed.is_err());
        let made = kept
            .get_or_make((), 1, async { Ok::<_, &str>("made".to_owned()) })
            .await
            .unwrap();
        assert_eq!(*made, "made");
    }
}
