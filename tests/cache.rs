//! The Redis page cache: hits for anonymous readers, fresh nonces, invalidation on writes,
//! personal pages never cached, and a Redis outage degrading to uncached pages.

mod common;

use axum::http::StatusCode;
use common::redis_server::{free_port, OwnRedis};
use common::{TestApp, TestResponse};

fn nonce(response: &TestResponse) -> String {
    let csp = response.header("content-security-policy").expect("CSP");
    csp.split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .expect("nonce")
        .to_owned()
}

/// The cache is filled just after the first answer is sent: poll briefly for the hit.
async fn get_until_hit(app: &TestApp, path: &str) -> TestResponse {
    for _ in 0..50 {
        let response = app.client().get(path).await;
        if response.header("x-waypost-cache") == Some("hit") {
            return response;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{path} was never served from the cache");
}

#[tokio::test]
async fn anonymous_pages_are_cached_with_fresh_nonces() {
    let pool = common::test_pool().await;
    let app = TestApp::with_vars(pool, &[("PAGE_CACHE", "true")]).await;
    let first = app.client().get("/").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.header("x-waypost-cache").is_none());
    let hit = get_until_hit(&app, "/").await;
    assert_eq!(hit.status, StatusCode::OK);
    let (old, new) = (nonce(&first), nonce(&hit));
    assert_ne!(old, new, "every response gets its own nonce");
    assert!(
        hit.body.contains(&format!("nonce=\"{new}\"")),
        "the cached page carries the new nonce"
    );
    assert!(!hit.body.contains(&old));
    let health = app.client().get("/healthz").await.json();
    assert!(health["page_cache"]["hits"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn writes_invalidate_and_signed_in_readers_bypass() {
    let pool = common::test_pool().await;
    let app = TestApp::with_vars(pool, &[("PAGE_CACHE", "true")]).await;
    get_until_hit(&app, "/").await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let slug = writer.publish("Fresh from the press", "Body text.").await;

    let index = app.client().get("/").await;
    assert!(
        index.body.contains("Fresh from the press"),
        "publishing dropped the cached index"
    );
    let own = writer.get("/").await;
    assert!(
        own.header("x-waypost-cache").is_none(),
        "signed-in pages are never cached"
    );

    // Story pages are cached too, and still remember the view in the reader's cookie.
    get_until_hit(&app, &format!("/articles/{slug}")).await;
    let hit = get_until_hit(&app, &format!("/articles/{slug}")).await;
    let cookie = hit.header("set-cookie").expect("recently viewed cookie");
    assert!(
        cookie.starts_with(&format!("waypost_recent={slug}")),
        "{cookie}"
    );
}

#[tokio::test]
async fn recently_viewed_shows_on_the_index() {
    let pool = common::test_pool().await;
    let app = TestApp::with_vars(pool, &[("PAGE_CACHE", "true")]).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let slug = writer.publish("A story to remember", "Body text.").await;
    let request = axum::http::Request::get("/")
        .header("host", "127.0.0.1:3000")
        .header("accept", "text/html")
        .header(
            "cookie",
            format!("waypost_recent={slug}.no-such-story.INVALID<>"),
        )
        .body(axum::body::Body::empty())
        .unwrap();
    let index = app.client().send(request).await;
    assert!(index.body.contains("Recently viewed"));
    assert!(index.body.contains(&format!(
        "href=\"/articles/{slug}\">A story to remember</a></li>"
    )));
}

#[tokio::test]
async fn the_editor_is_not_a_recently_viewed_story() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let slug = writer.publish("A story to edit", "Body text.").await;
    let remembered = |page: &common::TestResponse| {
        page.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|c| c.to_str().ok())
            .find(|c| c.starts_with("waypost_recent="))
            .map(str::to_owned)
    };
    for path in ["/articles/new".to_owned(), format!("/articles/{slug}/edit")] {
        let page = writer.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(remembered(&page), None, "{path} was remembered as a story");
    }
    let story = writer.get(&format!("/articles/{slug}")).await;
    assert!(remembered(&story).is_some_and(|c| c.starts_with(&format!("waypost_recent={slug}"))));
}

#[tokio::test]
async fn a_redis_outage_serves_pages_uncached() {
    let pool = common::test_pool().await;
    // Our own Redis on another port: this test stops it (never the shared one).
    let mut redis = OwnRedis::start(free_port(), None);
    let url = redis.url();
    let app = TestApp::with_vars(pool, &[("REDIS_URL", &url), ("PAGE_CACHE", "true")]).await;
    get_until_hit(&app, "/").await;
    let mut reader = app.user("rita", None).await;

    redis.kill();
    // A signed-in reader's session can't be read: a 503 that says when to come back, not a
    // bare 500.
    let page = reader.get("/").await;
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    assert_eq!(page.header("retry-after"), Some("5"));
    let started = std::time::Instant::now();
    let page = app.client().get("/").await;
    assert_eq!(page.status, StatusCode::OK, "served without the cache");
    assert!(page.header("x-waypost-cache").is_none());
    assert!(page.body.contains("Latest stories"));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "no long wait on the dead cache"
    );
    let health = app.client().get("/healthz").await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(health.json()["redis"], "down");
}

/// How many pages the cache holds (the set every stored page is filed in).
async fn cached_pages(app: &TestApp) -> u64 {
    app.state.page_cache.stored_pages().await.expect("redis")
}

#[tokio::test]
async fn a_favourite_drops_its_story_and_the_lists_but_not_other_stories() {
    let pool = common::test_pool().await;
    let app = TestApp::with_vars(pool, &[("PAGE_CACHE", "true")]).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let liked = writer.publish("Liked", "Body.").await;
    let other = writer.publish("Other", "Body.").await;
    for path in [
        "/",
        &format!("/articles/{liked}"),
        &format!("/articles/{other}"),
    ] {
        get_until_hit(&app, path).await;
    }
    let mut reader = app.user("rita", None).await;
    let r = reader
        .send(common::form(
            &format!("/articles/{liked}/favorite"),
            "on=true",
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let hit = |path: String| {
        let app = &app;
        async move { app.client().get(&path).await.header("x-waypost-cache") == Some("hit") }
    };
    assert!(
        !hit(format!("/articles/{liked}")).await,
        "its page was dropped"
    );
    assert!(!hit("/".to_owned()).await, "the lists were dropped");
    assert!(
        hit(format!("/articles/{other}")).await,
        "another story stays cached"
    );
}

#[tokio::test]
async fn parameters_no_page_reads_create_no_entries() {
    let pool = common::test_pool().await;
    let app = TestApp::with_vars(pool, &[("PAGE_CACHE", "true")]).await;
    get_until_hit(&app, "/").await;
    let held = cached_pages(&app).await;
    for n in 0..300 {
        let page = app
            .client()
            .get(&format!("/?x={n}&utm_source=flood{n}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.header("x-waypost-cache"),
            Some("hit"),
            "the same page as /"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(cached_pages(&app).await, held);
}

#[tokio::test]
async fn the_cache_holds_at_most_its_size() {
    let pool = common::test_pool().await;
    let app = TestApp::with_vars(
        pool,
        &[("PAGE_CACHE", "true"), ("PAGE_CACHE_MAX_ENTRIES", "3")],
    )
    .await;
    for n in 0..10 {
        app.client().get(&format!("/search?q=word{n}")).await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(cached_pages(&app).await <= 3);
}

/// `CACHE_REDIS_URL`: pages go to a Redis of their own (which may evict or die), sessions
/// stay in the main one.
#[tokio::test]
async fn a_separate_cache_redis_holds_the_pages_and_can_die_alone() {
    use fred::prelude::*;
    let pool = common::test_pool().await;
    let mut cache = OwnRedis::start(free_port(), None);
    let url = cache.url();
    let app = TestApp::with_vars(pool, &[("CACHE_REDIS_URL", &url), ("PAGE_CACHE", "true")]).await;
    let mut writer = app.user("wanda", Some("writer")).await;
    let slug = writer.publish("Kept apart", "Body.").await;
    get_until_hit(&app, &format!("/articles/{slug}")).await;
    assert!(cached_pages(&app).await >= 1);
    let own = waypost::redis::connect(&url).await.expect("cache redis");
    let in_cache: i64 = own.dbsize().await.expect("dbsize");
    assert!(in_cache >= 2, "pages and their scope sets: {in_cache}");
    let tag = format!("{{{}:pagecache}}:scope:all", app.state.config.redis_prefix);
    let in_main: i64 = app.state.redis.exists(&tag).await.expect("redis");
    assert_eq!(in_main, 0, "no page in the main Redis");

    cache.kill();
    let page = app.client().get(&format!("/articles/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK, "served without the cache");
    // The writer's session lives in the main Redis: still signed in.
    let editor = writer.get(&format!("/articles/{slug}/edit")).await;
    assert_eq!(editor.status, StatusCode::OK);
}

/// Waits until the instance hears invalidations (its in-process tier is then in use).
async fn until_listening(app: &TestApp, listening: bool) {
    let started = std::time::Instant::now();
    while app.state.page_cache.local.listening() != listening {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the invalidation listener never became {listening}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

fn memory_hits(app: &TestApp) -> u64 {
    app.state
        .page_cache
        .stats
        .local_hits
        .load(std::sync::atomic::Ordering::Relaxed)
}

/// Two instances behind a load balancer: each keeps pages in its own memory, and a change
/// made through one is on the other's pages at once.
#[tokio::test]
async fn two_instances_drop_each_others_pages_from_memory() {
    let pool = common::test_pool().await;
    let prefix = format!("waypost-test:two:{}:{}", std::process::id(), rand_suffix());
    let vars = [("PAGE_CACHE", "true"), ("REDIS_PREFIX", prefix.as_str())];
    let one = TestApp::with_vars(pool.clone(), &vars).await;
    let two = TestApp::with_vars(pool, &vars).await;
    until_listening(&one, true).await;
    until_listening(&two, true).await;

    let mut writer = one.user("wendy", Some("writer")).await;
    let first = writer.publish("The first story", "Body.").await;
    get_until_hit(&two, "/").await;
    get_until_hit(&two, &format!("/articles/{first}")).await;
    let before = memory_hits(&two);
    let page = two.client().get("/").await;
    assert!(page.body.contains("The first story"));
    assert_eq!(
        memory_hits(&two),
        before + 1,
        "the second instance served / from its memory"
    );

    // Through the first instance: a new story, then an edit of the first one.
    writer.publish("Breaking news", "Body.").await;
    let index = two.client().get("/").await;
    assert!(
        index.body.contains("Breaking news"),
        "the second instance dropped its copy of the index"
    );
    let id = common::article_id(one.pool(), &first).await;
    let saved = writer
        .save_article(Some(id), "The first story, revised", "Body.", "publish")
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    // A new title is a new slug: the old address now redirects there, from either instance.
    let moved = two.client().get(&format!("/articles/{first}")).await;
    assert_eq!(moved.status, StatusCode::MOVED_PERMANENTLY);
    let location = moved.header("location").expect("the new address");
    let story = two.client().get(location).await;
    assert!(story.body.contains("The first story, revised"));
}

/// Without the invalidation channel an instance could miss a change: its memory empties and
/// is not used until the channel is back.
#[tokio::test]
async fn losing_the_channel_empties_memory_until_it_is_back() {
    let pool = common::test_pool().await;
    let port = free_port();
    let mut redis = OwnRedis::start(port, None);
    let url = redis.url();
    let app = TestApp::with_vars(pool, &[("REDIS_URL", &url), ("PAGE_CACHE", "true")]).await;
    until_listening(&app, true).await;
    get_until_hit(&app, "/").await;
    assert!(app.state.page_cache.local.held().0 >= 1);

    redis.kill();
    until_listening(&app, false).await;
    assert_eq!(app.state.page_cache.local.held(), (0, 0));
    let page = app.client().get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.header("x-waypost-cache").is_none(),
        "not served from memory"
    );

    let _redis = OwnRedis::start(port, None);
    until_listening(&app, true).await;
    get_until_hit(&app, "/").await;
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
}
