//! The in-process tier in front of Redis: the hottest pages without a network round trip.
//!
//! Every instance keeps its own copy, so every instance must hear every invalidation: a
//! command's change is published on a Redis channel (`PageCache::invalidate`) and each
//! instance's listener ([`super::listen`]) drops the matching pages here. The tier is used only
//! while that subscription is known to be live; when it is lost the tier empties and steps
//! aside until it is back, and no entry outlives [`MAX_AGE`] whatever happens.

use bytes::Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most a page can be behind if an invalidation message is ever lost without the
/// connection noticing (the subscription's loss empties the tier at once).
pub const MAX_AGE: Duration = Duration::from_secs(30);

struct Entry {
    page: Bytes,
    scopes: Vec<String>,
    stored: Instant,
}

#[derive(Default)]
struct Pages {
    entries: HashMap<String, Entry>,
    bytes: usize,
}

impl Pages {
    fn remove(&mut self, id: &str) {
        if let Some(old) = self.entries.remove(id) {
            self.bytes -= old.page.len();
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}

pub struct LocalPages {
    pages: Mutex<Pages>,
    max_bytes: usize,
    /// True while this instance is subscribed to the invalidation channel.
    listening: AtomicBool,
    /// Counts invalidations heard: a page rendered before one is not stored after it.
    generation: AtomicU64,
}

impl LocalPages {
    /// A tier holding at most `max_bytes` of pages (0 turns it off).
    pub fn new(max_bytes: usize) -> Self {
        Self {
            pages: Mutex::default(),
            max_bytes,
            listening: AtomicBool::new(false),
            generation: AtomicU64::new(0),
        }
    }

    fn pages(&self) -> std::sync::MutexGuard<'_, Pages> {
        // A panic while holding the lock leaves plain data behind: keep using it.
        self.pages
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn enabled(&self) -> bool {
        self.max_bytes > 0
    }

    pub fn listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    /// The generation to hand back to [`LocalPages::put`] with a page rendered from now on.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn get(&self, id: &str) -> Option<Bytes> {
        if !self.listening() {
            return None;
        }
        let mut pages = self.pages();
        let entry = pages.entries.get(id)?;
        if entry.stored.elapsed() < MAX_AGE {
            return Some(entry.page.clone());
        }
        pages.remove(id);
        None
    }

    /// Keeps `page` unless an invalidation was heard since `generation` was read (the page
    /// may show what was just changed) or the tier is not listening.
    pub fn put(&self, id: &str, page: Bytes, scopes: Vec<String>, generation: u64) {
        if !self.enabled() || page.len() > self.max_bytes / 8 {
            return;
        }
        let mut pages = self.pages();
        // Read under the lock that `drop_scopes` bumps it under: no drop slips in between.
        if !self.listening() || self.generation() != generation {
            return;
        }
        pages.remove(id);
        if pages.bytes + page.len() > self.max_bytes {
            evict_oldest(&mut pages, page.len(), self.max_bytes);
        }
        pages.bytes += page.len();
        pages.entries.insert(
            id.to_owned(),
            Entry {
                page,
                scopes,
                stored: Instant::now(),
            },
        );
    }

    /// Drops the pages filed under any of `scopes` ("all" drops every page).
    pub fn drop_scopes(&self, scopes: &[String]) {
        let mut pages = self.pages();
        self.generation.fetch_add(1, Ordering::AcqRel);
        if scopes.iter().any(|s| s == "all") {
            pages.clear();
            return;
        }
        let doomed: Vec<String> = pages
            .entries
            .iter()
            .filter(|(_, e)| e.scopes.iter().any(|s| scopes.contains(s)))
            .map(|(id, _)| id.clone())
            .collect();
        for id in doomed {
            pages.remove(&id);
        }
    }

    /// Subscribed (true) or not (false). Either way what is held is dropped: while nobody
    /// listened, invalidations may have been missed.
    pub fn set_listening(&self, listening: bool) {
        let mut pages = self.pages();
        self.generation.fetch_add(1, Ordering::AcqRel);
        pages.clear();
        self.listening.store(listening, Ordering::Release);
    }

    /// Pages held and their size in bytes (for `/healthz`).
    pub fn held(&self) -> (usize, usize) {
        let pages = self.pages();
        (pages.entries.len(), pages.bytes)
    }
}

/// Makes room for `incoming` bytes: expired pages first, then the oldest.
fn evict_oldest(pages: &mut Pages, incoming: usize, max_bytes: usize) {
    let expired: Vec<String> = pages
        .entries
        .iter()
        .filter(|(_, e)| e.stored.elapsed() >= MAX_AGE)
        .map(|(id, _)| id.clone())
        .collect();
    for id in expired {
        pages.remove(&id);
    }
    let mut by_age: Vec<(Instant, String)> = pages
        .entries
        .iter()
        .map(|(id, e)| (e.stored, id.clone()))
        .collect();
    by_age.sort_unstable();
    for (_, id) in by_age {
        if pages.bytes + incoming <= max_bytes {
            break;
        }
        pages.remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> Bytes {
        Bytes::from(text.to_owned())
    }

    fn listening(max_bytes: usize) -> LocalPages {
        let local = LocalPages::new(max_bytes);
        local.set_listening(true);
        local
    }

    #[test]
    fn nothing_is_served_while_not_listening() {
        let local = LocalPages::new(1 << 20);
        local.put("/", page("index"), vec!["lists".into()], local.generation());
        assert!(local.get("/").is_none());
        local.set_listening(true);
        local.put("/", page("index"), vec!["lists".into()], local.generation());
        assert_eq!(local.get("/"), Some(page("index")));
        local.set_listening(false);
        assert!(
            local.get("/").is_none(),
            "losing the channel empties the tier"
        );
        local.set_listening(true);
        assert!(local.get("/").is_none());
    }

    #[test]
    fn a_drop_removes_only_what_shows_the_change() {
        let local = listening(1 << 20);
        let generation = local.generation();
        local.put("/", page("index"), vec!["lists".into()], generation);
        local.put(
            "/articles/a",
            page("a"),
            vec!["article:a".into()],
            generation,
        );
        local.put(
            "/articles/b",
            page("b"),
            vec!["article:b".into()],
            generation,
        );
        local.drop_scopes(&["article:a".into(), "lists".into()]);
        assert!(local.get("/").is_none());
        assert!(local.get("/articles/a").is_none());
        assert_eq!(local.get("/articles/b"), Some(page("b")));
        local.drop_scopes(&["all".into()]);
        assert_eq!(local.held(), (0, 0));
    }

    #[test]
    fn a_page_rendered_before_a_drop_is_not_kept_after_it() {
        let local = listening(1 << 20);
        let before = local.generation();
        local.drop_scopes(&["lists".into()]);
        local.put("/", page("stale index"), vec!["lists".into()], before);
        assert!(local.get("/").is_none());
    }

    #[test]
    fn the_oldest_pages_make_room() {
        let local = listening(64);
        let generation = local.generation();
        local.put("/1", page(&"x".repeat(8)), vec![], generation);
        std::thread::sleep(Duration::from_millis(2));
        for n in 2..=9 {
            local.put(&format!("/{n}"), page(&"x".repeat(8)), vec![], generation);
        }
        let (count, bytes) = local.held();
        assert!(bytes <= 64, "{bytes}");
        assert_eq!(count, 8);
        assert!(local.get("/1").is_none(), "the oldest went first");
        assert!(local.get("/9").is_some());
        local.put("/big", page(&"x".repeat(9)), vec![], generation);
        assert!(
            local.get("/big").is_none(),
            "a page over an eighth of the tier is not kept"
        );
    }
}
