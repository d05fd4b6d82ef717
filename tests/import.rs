//! `waypost import-django` against the real dump of the Django blog
//! (`tests/fixtures/django-blog-sample.sql`, a copy of the team's sample with its notes beside
//! it, restored into a fresh database per test).

mod common;

use axum::http::StatusCode;
use common::oauth_provider::location;
use common::TestApp;
use sqlx::PgPool;
use waypost::import_django::{run, ImportError, ImportOptions, Summary};

/// The sample Django database, restored with psql into a database of this test's own.
async fn django_source() -> String {
    let (base, name) = common::empty_database("django_sample").await;
    let mut url = reqwest::Url::parse(&base).expect("DATABASE_URL");
    url.set_path(&name);
    let dump = format!(
        "{}/tests/fixtures/django-blog-sample.sql",
        env!("CARGO_MANIFEST_DIR")
    );
    let status = std::process::Command::new("psql")
        .args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url.as_str(),
            "-f",
            &dump,
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("psql");
    assert!(status.success(), "the sample dump restores");
    url.to_string()
}

fn options(source: &str) -> ImportOptions {
    ImportOptions {
        source_url: source.to_owned(),
        media_from: None,
        media_root: None,
        dry_run: false,
        progress: false,
    }
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn counts(pool: &PgPool) -> Vec<i64> {
    let mut all = Vec::new();
    for sql in [
        "SELECT count(*) FROM users",
        "SELECT count(*) FROM profiles",
        "SELECT count(*) FROM user_groups",
        "SELECT count(*) FROM social_accounts",
        "SELECT count(*) FROM articles",
        "SELECT count(*) FROM article_authors",
        "SELECT count(*) FROM ratings",
        "SELECT count(*) FROM comments",
        "SELECT coalesce(sum(rating_sum + rating_count + comment_count), 0)::bigint FROM articles",
    ] {
        all.push(count(pool, sql).await);
    }
    all
}

#[tokio::test]
async fn the_sample_blog_moves_over_completely() {
    let source = django_source().await;
    let app = TestApp::new(common::test_pool().await).await;
    let pool = app.pool().clone();

    let summary: Summary = run(&pool, &options(&source)).await.expect("import");
    assert_eq!(summary.users.imported + summary.users.fixed, 6, "{summary}");
    assert_eq!(summary.posts.imported, 12, "{summary}");
    assert_eq!(summary.comments.imported, 30, "{summary}");
    assert_eq!(summary.social_accounts.imported, 1);
    assert_eq!(
        summary.duplicate_ratings_dropped, 1,
        "user 4 rated post 2 twice"
    );
    assert_eq!(summary.ratings.imported, 39);
    assert_eq!(count(&pool, "SELECT count(*) FROM users").await, 6);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM articles WHERE status = 'published'"
        )
        .await,
        12
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM ratings").await, 39);
    assert_eq!(count(&pool, "SELECT count(*) FROM comments").await, 30);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM comments WHERE hidden_at IS NOT NULL"
        )
        .await,
        6,
        "inactive → hidden"
    );

    // Roles: admin → staff; writers are writers; everyone is a traveller.
    let staff = count(
        &pool,
        "SELECT count(*) FROM users WHERE is_staff AND email = 'admin@example.com'",
    )
    .await;
    assert_eq!(staff, 1);
    let writers = count(
        &pool,
        "SELECT count(*) FROM user_groups ug JOIN groups g ON g.id = ug.group_id WHERE g.name = 'writer'",
    )
    .await;
    assert_eq!(writers, 2, "ana and ben");
    let verified = count(
        &pool,
        "SELECT count(*) FROM users WHERE email_verified_at IS NOT NULL",
    )
    .await;
    assert_eq!(
        verified, 3,
        "ana, ben and dev had verified allauth addresses"
    );
    let google = count(
        &pool,
        "SELECT count(*) FROM social_accounts s JOIN users u ON u.id = s.user_id
         WHERE s.provider = 'google' AND s.provider_user_id = '1234567890' AND u.email = 'dev@example.com'",
    )
    .await;
    assert_eq!(google, 1, "dev's allauth Google account");

    // Ana logs in with her Django password; her hash becomes argon2.
    let mut ana = app.client();
    let ok = ana.login("ana@example.com", "mocha-ana-2024").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE email = 'ana@example.com'")
            .fetch_one(&pool)
            .await
            .expect("hash");
    assert!(hash.starts_with("$argon2"), "re-hashed: {hash}");
    let mut again = app.client();
    assert_eq!(
        again
            .login("ana@example.com", "mocha-ana-2024")
            .await
            .status,
        StatusCode::OK
    );
    // The inactive user cannot log in, even with the right password.
    let erin = app
        .client()
        .login("erin@example.com", "mocha-erin-2024")
        .await;
    assert_eq!(erin.status, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = app
        .client()
        .login("ben@example.com", "mocha-ben-2025")
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The hostile post renders with no script, handler or javascript: URL.
    let slug: String =
        sqlx::query_scalar("SELECT slug FROM articles WHERE title = 'Marrakech Souks After Dark'")
            .fetch_one(&pool)
            .await
            .expect("post 12");
    let page = app.client().get(&format!("/articles/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = page
        .body
        .split("<article")
        .nth(1)
        .expect("article")
        .to_ascii_lowercase();
    assert!(!body.contains("<script>alert"), "no script");
    assert!(!body.contains("onerror"), "no handler");
    assert!(!body.contains("javascript:"), "no javascript: URL");

    // Co-authored posts keep both authors, the first Django author owning.
    let coauthored = count(
        &pool,
        "SELECT count(*) FROM articles a WHERE (SELECT count(*) FROM article_authors aa WHERE aa.article_id = a.id) = 2",
    )
    .await;
    assert_eq!(coauthored, 2, "posts 4 and 9");

    // The duplicate rating: user 4's latest (5 stars) stays.
    let kept: i16 = sqlx::query_scalar(
        "SELECT r.stars FROM ratings r JOIN legacy_ids lu ON lu.kind = 'user' AND lu.new_id = r.user_id AND lu.legacy_id = 4
         JOIN legacy_ids lp ON lp.kind = 'post' AND lp.new_id = r.article_id AND lp.legacy_id = 2",
    )
    .fetch_one(&pool)
    .await
    .expect("rating");
    assert_eq!(kept, 5);
    let aggregates_match = count(
        &pool,
        "SELECT count(*) FROM articles a WHERE rating_count <> (SELECT count(*) FROM ratings r WHERE r.article_id = a.id)",
    )
    .await;
    assert_eq!(aggregates_match, 0);

    // Comment trees keep their shape: the same parent/child pairs as MPTT.
    let source_pool = PgPool::connect(&source).await.expect("source");
    let django_pairs: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, parent_id FROM blogapp_comment WHERE parent_id IS NOT NULL ORDER BY id",
    )
    .fetch_all(&source_pool)
    .await
    .expect("pairs");
    let waypost_pairs: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT lc.legacy_id, lp.legacy_id FROM comments c
         JOIN legacy_ids lc ON lc.kind = 'comment' AND lc.new_id = c.id
         JOIN legacy_ids lp ON lp.kind = 'comment' AND lp.new_id = c.parent_id
         ORDER BY lc.legacy_id",
    )
    .fetch_all(&pool)
    .await
    .expect("pairs");
    assert_eq!(waypost_pairs, django_pairs);
    let deepest = count(&pool, "SELECT max(depth)::bigint FROM comments").await;
    assert_eq!(deepest, 3, "a 4-level thread");
    // Reading order within each thread is the MPTT order (tree, lft).
    let django_order: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM blogapp_comment ORDER BY parent_post_id, tree_id, lft")
            .fetch_all(&source_pool)
            .await
            .expect("order");
    let waypost_order: Vec<i64> = sqlx::query_scalar(
        "SELECT l.legacy_id FROM comments c JOIN legacy_ids l ON l.kind = 'comment' AND l.new_id = c.id
         JOIN legacy_ids lp ON lp.kind = 'post' AND lp.new_id = c.article_id
         ORDER BY lp.legacy_id, c.path",
    )
    .fetch_all(&pool)
    .await
    .expect("order");
    assert_eq!(waypost_order, django_order);

    // A second run changes nothing.
    let before = counts(&pool).await;
    let second = run(&pool, &options(&source)).await.expect("second run");
    assert_eq!(
        second.users.imported
            + second.posts.imported
            + second.comments.imported
            + second.ratings.imported,
        0,
        "{second}"
    );
    assert_eq!(second.users.skipped, 6);
    assert_eq!(counts(&pool).await, before);
}

#[tokio::test]
async fn old_links_redirect_permanently() {
    let source = django_source().await;
    let app = TestApp::new(common::test_pool().await).await;
    run(app.pool(), &options(&source)).await.expect("import");
    let mut browser = app.client();
    let slug: String = sqlx::query_scalar(
        "SELECT a.slug FROM articles a JOIN legacy_ids l ON l.kind = 'post' AND l.new_id = a.id AND l.legacy_id = 3",
    )
    .fetch_one(app.pool())
    .await
    .expect("post 3");
    for path in ["/post/3/", "/post/3"] {
        let response = browser.get(path).await;
        assert_eq!(response.status, StatusCode::PERMANENT_REDIRECT, "{path}");
        assert_eq!(location(&response), format!("/articles/{slug}"));
    }
    let ana = browser.get("/users/profile/2/").await;
    assert_eq!(ana.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(location(&ana), "/authors/ana.silva");
    for (old, new) in [
        ("/users/", "/writers"),
        ("/accounts/login/", "/login"),
        ("/accounts/signup/", "/signup"),
        ("/accounts/logout/", "/logout"),
        ("/accounts/password/reset/", "/password-reset"),
    ] {
        let response = browser.get(old).await;
        assert_eq!(response.status, StatusCode::PERMANENT_REDIRECT, "{old}");
        assert_eq!(location(&response), new);
    }
    assert_eq!(
        browser.get("/post/999/").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        browser.get("/post/abc/").await.status,
        StatusCode::NOT_FOUND
    );
    // The inactive user's old profile link leads nowhere.
    assert_eq!(
        browser.get("/users/profile/6/").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_broken_source_changes_nothing_and_says_why() {
    let source = django_source().await;
    let app = TestApp::new(common::test_pool().await).await;
    let pool = app.pool().clone();
    let before = counts(&pool).await;
    let source_pool = PgPool::connect(&source).await.expect("source");
    sqlx::query("DROP TABLE blogapp_comment")
        .execute(&source_pool)
        .await
        .expect("drop");
    let error = run(&pool, &options(&source)).await.expect_err("must fail");
    assert!(
        matches!(error, ImportError::MissingTable("blogapp_comment")),
        "{error}"
    );
    assert!(error.to_string().contains("blogapp_comment"));
    assert_eq!(counts(&pool).await, before, "Waypost untouched");

    // A row Waypost can't take fails the whole run, naming the row; nothing is kept.
    let source = django_source().await;
    let source_pool = PgPool::connect(&source).await.expect("source");
    sqlx::query("UPDATE blogapp_rating SET rating = 9 WHERE id = 7")
        .execute(&source_pool)
        .await
        .expect("break a row");
    let error = run(&pool, &options(&source)).await.expect_err("must fail");
    assert!(
        error.to_string().contains("blogapp_rating row 7"),
        "{error}"
    );
    assert_eq!(counts(&pool).await, before, "all or nothing");

    // A dry run reports and writes nothing.
    let source = django_source().await;
    let mut dry = options(&source);
    dry.dry_run = true;
    let summary = run(&pool, &dry).await.expect("dry run");
    assert_eq!(summary.posts.imported, 12);
    assert!(summary.to_string().starts_with("Dry run"));
    assert_eq!(counts(&pool).await, before);
}
