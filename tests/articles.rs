//! Articles through the HTTP stack on real PostgreSQL: permissions, drafts, pagination,
//! sorting, search, slugs, feeds.

mod common;

use axum::http::StatusCode;
use common::{article_id, TestApp};

const BODY: &str =
    "## Arrival\n\nThe bus reached Cusco at dawn.\n\n## Markets\n\nCoffee and bread.\n";

#[tokio::test]
async fn permission_matrix_for_writing() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut anonymous = app.client();
    let mut traveller = app.user("tom", None).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let mut other_writer = app.user("olga", Some("writer")).await;
    let mut staff = app.staff("sam").await;

    // Create: writers only; a traveller calling the writer-only function directly gets 403.
    assert_eq!(
        anonymous
            .save_article(None, "Nope", BODY, "draft")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let denied = traveller.save_article(None, "Nope", BODY, "publish").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
    assert_eq!(
        traveller
            .save_article(None, "Nope", BODY, "draft")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        traveller
            .call("preview_markdown", &[("body", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let count = sqlx::query_scalar!("SELECT count(*) FROM articles")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, Some(0));

    let slug = writer.publish("Dawn in Cusco", BODY).await;
    let id = article_id(&pool, &slug).await;
    let id_text = id.to_string();

    // Edit: authors and staff; other writers and travellers get 403.
    assert_eq!(
        other_writer
            .save_article(Some(id), "Hijacked", BODY, "publish")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        traveller
            .save_article(Some(id), "Hijacked", BODY, "draft")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        staff
            .save_article(Some(id), "Dawn in Cusco", BODY, "publish")
            .await
            .status,
        StatusCode::OK
    );

    // Co-authors can edit but not delete; only the owner manages co-authors.
    let add = [
        ("id", id_text.as_str()),
        ("username", "olga"),
        ("action", "add"),
    ];
    assert_eq!(
        other_writer.call("set_coauthor", &add).await.status,
        StatusCode::FORBIDDEN
    );
    let add_traveller = [
        ("id", id_text.as_str()),
        ("username", "tom"),
        ("action", "add"),
    ];
    let refused = writer.call("set_coauthor", &add_traveller).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(
        writer.call("set_coauthor", &add).await.status,
        StatusCode::OK
    );
    assert_eq!(
        other_writer
            .save_article(Some(id), "Dawn in Cusco", BODY, "publish")
            .await
            .status,
        StatusCode::OK
    );
    let page = app.client().get(&format!("/articles/{slug}")).await;
    assert!(
        page.body.contains("/authors/wendy") && page.body.contains("/authors/olga"),
        "both authors in the byline"
    );

    let delete = [("id", id_text.as_str())];
    assert_eq!(
        anonymous.call("delete_article", &delete).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        traveller.call("delete_article", &delete).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        other_writer.call("delete_article", &delete).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        writer.call("delete_article", &delete).await.status,
        StatusCode::OK
    );

    let slug = writer.publish("Second story", BODY).await;
    let id = article_id(&pool, &slug).await.to_string();
    assert_eq!(
        staff
            .call("delete_article", &[("id", id.as_str())])
            .await
            .status,
        StatusCode::OK
    );
    let count = sqlx::query_scalar!("SELECT count(*) FROM articles")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, Some(0));
}

#[tokio::test]
async fn drafts_are_invisible_to_others() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let response = writer
        .save_article(None, "Secret draft", BODY, "draft")
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let slug = response.json().as_str().unwrap().to_owned();

    assert_eq!(
        writer.get(&format!("/articles/{slug}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.client().get(&format!("/articles/{slug}")).await.status,
        StatusCode::NOT_FOUND
    );
    let mut other = app.user("olga", Some("writer")).await;
    assert_eq!(
        other.get(&format!("/articles/{slug}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Someone else's draft doesn't exist for them, in the editor too (issue #15).
    assert_eq!(
        other.get(&format!("/articles/{slug}/edit")).await.status,
        StatusCode::NOT_FOUND
    );
    let index = app.client().get("/").await;
    assert!(!index.body.contains("Secret draft"));
    let search = app.client().get("/search?q=secret").await;
    assert!(!search.body.contains("Secret draft"));
}

#[tokio::test]
async fn index_pagination_edges() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    for n in 1..=12 {
        writer.publish(&format!("Story number {n}"), BODY).await;
    }
    let first = app.client().get("/").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body.matches("class=\"story-card\"").count(), 5);
    assert!(first.body.contains("Story number 12"), "newest first");
    assert!(
        first.body.contains("rel=\"next\" href=\"/?page=2\""),
        "next link"
    );

    let last = app.client().get("/?page=3").await;
    assert_eq!(last.status, StatusCode::OK);
    assert_eq!(last.body.matches("class=\"story-card\"").count(), 2);
    assert!(last.body.contains("Story number 1<"));
    assert!(last.body.contains("rel=\"prev\" href=\"/?page=2\""));

    assert_eq!(
        app.client().get("/?page=4").await.status,
        StatusCode::NOT_FOUND
    );
    for junk in ["abc", "0", "-2", "1.5", "99999999999999999999999"] {
        let response = app.client().get(&format!("/?page={junk}")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "page={junk}");
        assert!(response.body.contains("That address doesn"));
    }
    assert_eq!(
        app.client().get("/?sort=bogus").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn sorting_and_filtering_by_author_and_tag() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut zed = app.user("zed", Some("writer")).await;
    zed.call(
        "update_profile",
        &[
            ("display_name", "Zoe Zed"),
            ("bio", ""),
            ("x_handle", ""),
            ("website", ""),
        ],
    )
    .await;
    let mut amy = app.user("amy", Some("writer")).await;
    zed.publish("Zoe writes first", BODY).await;
    amy.publish("Amy writes second", BODY).await;

    let az = app.client().get("/?sort=author").await.body;
    assert!(az.find("Amy writes second").unwrap() < az.find("Zoe writes first").unwrap());
    let za = app.client().get("/?sort=-author").await.body;
    assert!(za.find("Zoe writes first").unwrap() < za.find("Amy writes second").unwrap());
    let oldest = app.client().get("/?sort=date").await.body;
    assert!(oldest.find("Zoe writes first").unwrap() < oldest.find("Amy writes second").unwrap());

    let by_amy = app.client().get("/?author=amy").await.body;
    assert!(by_amy.contains("Amy writes second") && !by_amy.contains("Zoe writes first"));
    let tagged = app.client().get("/tags/slow-travel").await;
    assert_eq!(tagged.status, StatusCode::OK);
    assert!(tagged.body.contains("Amy writes second") && tagged.body.contains("Zoe writes first"));
    assert_eq!(
        app.client().get("/tags/nowhere").await.status,
        StatusCode::NOT_FOUND
    );

    let profile = app.client().get("/authors/zed").await.body;
    assert!(profile.contains("Zoe writes first") && !profile.contains("Amy writes second"));
    let writers = app.client().get("/writers").await.body;
    assert!(writers.find(">amy</a>").unwrap() < writers.find(">Zoe Zed</a>").unwrap());
    assert!(writers.contains("1 story"));
}

#[tokio::test]
async fn search_ranks_and_survives_hostile_queries() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    writer
        .publish(
            "Street food of Lima",
            "We ate well. The ceviche was bright.",
        )
        .await;
    writer
        .publish(
            "Mountains and ceviche",
            "Ceviche, ceviche everywhere in the <script>alert(1)</script> hills.",
        )
        .await;
    writer.publish("Unrelated walk", "Nothing to see.").await;

    let results = app.client().get("/search?q=ceviche").await;
    assert_eq!(results.status, StatusCode::OK);
    assert!(results.body.contains("2 stories match"), "{}", results.body);
    let title_hit = results.body.find("Mountains and ceviche").unwrap();
    let body_hit = results.body.find("Street food of Lima").unwrap();
    assert!(title_hit < body_hit, "a title match ranks first");
    assert!(results.body.contains("<mark>"), "highlighted snippet");
    assert!(
        !results.body.contains("<script>alert"),
        "snippets are escaped"
    );
    assert!(!results.body.contains("Unrelated walk"));

    let long = "ceviche ".repeat(1400);
    for hostile in [
        "\"ceviche",
        "ceviche -lima",
        "or or or",
        "'; DROP TABLE articles; --",
        "ceviche:* & !(",
        "日本語 🍜",
        "\\",
        long.as_str(),
    ] {
        let url = format!(
            "/search?q={}",
            waypost::articles::model::percent_encode(hostile)
        );
        let response = app.client().get(&url).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{hostile:.40}: {}",
            response.status
        );
    }
    let count = sqlx::query_scalar!("SELECT count(*) FROM articles")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, Some(3));
    assert_eq!(
        app.client().get("/search?q=ceviche&page=9").await.status,
        StatusCode::NOT_FOUND
    );
}

/// `GET /sfn/search_suggestions?q=…`, as `public/suggest.js` asks.
async fn suggest(client: &mut common::Client, q: &str) -> common::TestResponse {
    let path = format!(
        "/sfn/search_suggestions?q={}",
        waypost::articles::model::percent_encode(q)
    );
    let request = axum::http::Request::get(path)
        .header("host", "127.0.0.1:3000")
        .header("accept", "application/json")
        .body(axum::body::Body::empty())
        .unwrap();
    client.send(request).await
}

#[tokio::test]
async fn search_forgives_half_typed_and_misspelt_words() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    writer
        .publish("Three days in Lisbon", "Trams, tiles and custard tarts.")
        .await;
    writer
        .publish("Kyoto in autumn", "Maple leaves and quiet temples.")
        .await;
    let found = |body: &str, title: &str| body.contains(&format!(">{title}</a>"));

    // Half a word finds the story (a prefix of a title word).
    let half = app.client().get("/search?q=Lisb").await;
    assert_eq!(half.status, StatusCode::OK);
    assert!(found(&half.body, "Three days in Lisbon"), "{}", half.body);
    assert!(!found(&half.body, "Kyoto in autumn"));
    assert!(half.body.contains("1 story matches"), "{}", half.body);
    // A typo is corrected against the words of published titles and names, and said so.
    for (typo, title) in [
        ("Lisbn", "Three days in Lisbon"),
        ("kyto", "Kyoto in autumn"),
        ("wendyy", "Three days in Lisbon"),
    ] {
        let page = app.client().get(&format!("/search?q={typo}")).await;
        assert!(found(&page.body, title), "{typo}: {}", page.body);
        assert!(
            page.body.contains(&format!("Nothing matched “{typo}”")),
            "{typo}"
        );
    }
    // An author's name, half typed.
    let by_author = app.client().get("/search?q=wen").await;
    assert!(found(&by_author.body, "Kyoto in autumn"));
    // Nothing close: no correction, a plain "no match".
    let nothing = app.client().get("/search?q=zzzzqx").await;
    assert!(nothing.body.contains("No stories match"));
    assert!(!nothing.body.contains("Nothing matched"));
    // Full-text syntax means what it says (no prefix widening).
    let excluded = app.client().get("/search?q=lisbon+-tiles").await;
    assert!(!found(&excluded.body, "Three days in Lisbon"));

    // The old blog's bookmarked searches and filters.
    let old = app.client().get("/?s=lisb").await;
    assert_eq!(old.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(old.header("location"), Some("/search?q=lisb"));
    let followed = app.client().get("/search?q=lisb").await;
    assert!(found(&followed.body, "Three days in Lisbon"));
    let old_author = app.client().get("/?a=wendy&page=2").await;
    assert_eq!(old_author.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(old_author.header("location"), Some("/?author=wendy&page=2"));

    // Suggestions as you type (GET, for public/suggest.js): titles, and writers by name.
    let mut client = app.client();
    let titles = suggest(&mut client, "lis").await;
    assert_eq!(titles.status, StatusCode::OK, "{}", titles.body);
    assert_eq!(titles.json(), serde_json::json!(["Three days in Lisbon"]));
    let writers = suggest(&mut client, "wend").await;
    assert_eq!(writers.json()[0], "wendy", "{}", writers.body);
    assert_eq!(
        suggest(&mut client, "l").await.json(),
        serde_json::json!([])
    );
    for hostile in ["lisb:* & !(", "' OR 1=1 --", "%_%", "\\"] {
        assert_eq!(
            suggest(&mut client, hostile).await.status,
            StatusCode::OK,
            "{hostile}"
        );
    }
    // The search fields load the script and name their suggestion list.
    let index = app.client().get("/").await;
    assert!(index.body.contains(r#"src="/suggest.js""#));
    assert!(index.body.contains(r#"list="hero-search-suggestions""#));
}

#[tokio::test]
async fn slugs_are_unique_and_renames_redirect() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let first = writer.publish("Night train to Puno!", BODY).await;
    let second = writer.publish("Night train to Puno", BODY).await;
    assert_eq!(first, "night-train-to-puno");
    assert_eq!(second, "night-train-to-puno-2");

    let id = article_id(&pool, &first).await;
    let response = writer
        .save_article(Some(id), "Slow train to Puno", BODY, "publish")
        .await;
    assert_eq!(response.json(), "slow-train-to-puno");
    let old = app.client().get("/articles/night-train-to-puno").await;
    assert_eq!(old.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(old.header("location"), Some("/articles/slow-train-to-puno"));
    // The freed slug is not reused by another article while it redirects.
    let third = writer.publish("Night train to Puno", BODY).await;
    assert_eq!(third, "night-train-to-puno-3");
}

#[tokio::test]
async fn article_page_renders_safely_with_share_link_and_cards() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let body = "## One\n\ntext\n\n## Two\n\n### Three\n\n<img src=x onerror=alert(1)> [x](javascript:alert(1))\n\n```rust\nfn main() {}\n```\n";
    let slug = writer.publish("Café & \"quotes\"", body).await;
    let page = app.client().get(&format!("/articles/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("onerror"), "handlers stripped");
    assert!(!page.body.contains("javascript:alert"));
    assert!(page.body.contains("In this story"), "table of contents");
    assert!(page.body.contains("class=\"hl-"), "highlighted code");
    let share = format!(
        "https://x.com/intent/tweet?text=Caf%C3%A9%20%26%20%22quotes%22&amp;url=http%3A%2F%2F127.0.0.1%3A3000%2Farticles%2F{slug}"
    );
    assert!(page.body.contains(&share), "share link in {}", page.body);
    let canonical = format!("href=\"http://127.0.0.1:3000/articles/{slug}\"");
    assert!(
        page.body
            .split("<link")
            .any(|tag| tag.contains("rel=\"canonical\"") && tag.contains(&canonical)),
        "canonical link"
    );
    assert!(page.body.contains("property=\"og:title\""));
}

#[tokio::test]
async fn feeds_sitemap_and_robots() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    writer.publish("Rivers & <lakes>", BODY).await;
    let feed = app.client().get("/feed.xml").await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(feed
        .header("content-type")
        .unwrap()
        .starts_with("application/rss+xml"));
    assert!(
        feed.body
            .contains("<title>Rivers &amp; &lt;lakes&gt;</title>"),
        "{}",
        feed.body
    );
    assert!(feed
        .body
        .contains("<link>http://127.0.0.1:3000/articles/rivers-lakes</link>"));
    let sitemap = app.client().get("/sitemap.xml").await;
    assert!(sitemap
        .body
        .contains("<loc>http://127.0.0.1:3000/articles/rivers-lakes</loc>"));
    let robots = app.client().get("/robots.txt").await;
    assert!(robots
        .body
        .contains("Sitemap: http://127.0.0.1:3000/sitemap.xml"));
}

#[tokio::test]
async fn bad_article_input_gets_clear_errors() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let response = writer.save_article(None, "   ", "", "publish").await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response.body.contains("Give your story a title")
            && response.body.contains("Write something")
    );
    let huge = "x".repeat(200_001);
    let response = writer.save_article(None, "Big", &huge, "draft").await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let response = writer
        .call(
            "save_article",
            &[
                ("title", "T"),
                ("summary", ""),
                ("body", "b"),
                ("tags", ""),
                ("cover_image", "javascript:x"),
                ("cover_alt", ""),
                ("intent", "draft"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.body.contains("https://") && response.body.contains("Describe the cover"));
    let response = writer
        .save_article(None, "T", "b", "delete-everything")
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    let count = sqlx::query_scalar!("SELECT count(*) FROM articles")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, Some(0));
}

#[tokio::test]
async fn published_counter_stays_exact() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let a = writer.publish("One", BODY).await;
    writer.publish("Two", BODY).await;
    writer.save_article(None, "Draft", BODY, "draft").await;
    let id = article_id(&pool, &a).await;
    writer.save_article(Some(id), "One", BODY, "draft").await; // unpublish
    writer.save_article(Some(id), "One", BODY, "publish").await; // publish again
    let b = article_id(&pool, "two").await.to_string();
    writer.call("delete_article", &[("id", b.as_str())]).await;
    let counter =
        sqlx::query_scalar!("SELECT value FROM site_counters WHERE name = 'published_articles'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let actual =
        sqlx::query_scalar!("SELECT count(*) AS \"n!\" FROM articles WHERE status = 'published'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((counter, actual), (1, 1));
}
