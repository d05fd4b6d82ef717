//! Ratings and threaded comments on real PostgreSQL: exact aggregates under concurrency,
//! thread order for deep and wide trees, every bad input, and the permission matrix.

mod common;

use axum::http::StatusCode;
use common::{article_id, Client, TestApp};
use sqlx::PgPool;
use std::collections::HashMap;
use waypost::engagement::server::{comments, ratings};

const BODY: &str = "## Arrival\n\nThe bus reached Cusco at dawn.\n";

/// `n` readers created straight in the database (no password hashing: fast).
async fn readers(pool: &PgPool, n: i64) -> Vec<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (username, email)
         SELECT 'reader' || g, 'reader' || g || '@example.com' FROM generate_series(1, $1) g
         RETURNING id",
    )
    .bind(n)
    .fetch_all(pool)
    .await
    .expect("readers")
}

async fn aggregate(pool: &PgPool, article: i64) -> (i64, i64) {
    sqlx::query_as("SELECT rating_sum, rating_count FROM articles WHERE id = $1")
        .bind(article)
        .fetch_one(pool)
        .await
        .expect("aggregate")
}

async fn comment_count(pool: &PgPool, article: i64) -> i64 {
    sqlx::query_scalar("SELECT comment_count FROM articles WHERE id = $1")
        .bind(article)
        .fetch_one(pool)
        .await
        .expect("count")
}

async fn total_comments(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM comments")
        .fetch_one(pool)
        .await
        .expect("count")
}

/// A published article by a new writer; returns (writer client, article id, slug).
async fn story(app: &TestApp, writer: &str, title: &str) -> (Client, i64, String) {
    let mut client = app.user(writer, Some("writer")).await;
    let slug = client.publish(title, BODY).await;
    let id = article_id(app.pool(), &slug).await;
    (client, id, slug)
}

async fn post(
    client: &mut Client,
    article: i64,
    parent: Option<i64>,
    body: &str,
) -> common::TestResponse {
    let article = article.to_string();
    let parent = parent.map(|p| p.to_string());
    let mut fields = vec![("article_id", article.as_str()), ("body", body)];
    if let Some(parent) = &parent {
        fields.push(("parent_id", parent.as_str()));
    }
    client.call("post_comment", &fields).await
}

async fn post_ok(client: &mut Client, article: i64, parent: Option<i64>, body: &str) -> i64 {
    let response = post(client, article, parent, body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()["id"].as_i64().expect("comment id")
}

#[tokio::test]
async fn concurrent_ratings_leave_exact_aggregates() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let (_, article, _) = story(&app, "wendy", "Rated by many").await;
    let users = readers(&pool, 200).await;

    // 200 first ratings at once, then 100 of those readers change theirs at once.
    let mut tasks = Vec::new();
    for (i, &user) in users.iter().enumerate() {
        let pool = pool.clone();
        let stars = (i % 5 + 1) as i16;
        tasks.push(tokio::spawn(async move {
            ratings::rate(&pool, article, user, stars).await.map(|_| ())
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("rating");
    }
    let mut tasks = Vec::new();
    for &user in users.iter().take(100) {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            ratings::rate(&pool, article, user, 5).await.map(|_| ())
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("re-rating");
    }

    let expected_sum: i64 = (0..200)
        .map(|i| if i < 100 { 5 } else { (i % 5 + 1) as i64 })
        .sum();
    let (sum, count) = aggregate(&pool, article).await;
    assert_eq!(count, 200, "one rating per reader");
    assert_eq!(sum, expected_sum, "no lost update");
    let (real_sum, real_count): (i64, i64) =
        sqlx::query_as("SELECT sum(stars)::bigint, count(*) FROM ratings WHERE article_id = $1")
            .bind(article)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((real_sum, real_count), (sum, count));
}

#[tokio::test]
async fn rating_rules_and_bad_input() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let (mut writer, article, slug) = story(&app, "wendy", "Rate me").await;
    let mut traveller = app.user("tom", None).await;
    let id = article.to_string();

    let anonymous = app
        .client()
        .call("rate_article", &[("article_id", &id), ("stars", "4")])
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    for bad in ["0", "6", "abc", "", "4.5"] {
        let response = traveller
            .call("rate_article", &[("article_id", &id), ("stars", bad)])
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?}: {}",
            response.body
        );
        assert!(response.body.contains("from 1 to 5"), "{}", response.body);
    }
    assert_eq!(
        aggregate(&pool, article).await,
        (0, 0),
        "bad input changed nothing"
    );

    let own = writer
        .call("rate_article", &[("article_id", &id), ("stars", "5")])
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(own.body.contains("your own story"), "{}", own.body);

    let first = traveller
        .call("rate_article", &[("article_id", &id), ("stars", "4")])
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.json()["mine"], 4);
    let second = traveller
        .call("rate_article", &[("article_id", &id), ("stars", "2")])
        .await;
    assert_eq!(
        second.json()["count"],
        1,
        "a second rating replaces the first"
    );
    assert_eq!(second.json()["sum"], 2);
    assert_eq!(aggregate(&pool, article).await, (2, 1));

    let missing = traveller
        .call("rate_article", &[("article_id", "999999"), ("stars", "3")])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let draft = writer.save_article(None, "A draft", BODY, "draft").await;
    let draft_id = article_id(&pool, draft.json().as_str().unwrap())
        .await
        .to_string();
    let on_draft = traveller
        .call("rate_article", &[("article_id", &draft_id), ("stars", "3")])
        .await;
    assert_eq!(on_draft.status, StatusCode::NOT_FOUND);

    // The page shows the average and the reader's own choice; lists show the average.
    let page = traveller.get(&format!("/articles/{slug}")).await;
    assert!(
        page.body.contains("2.0 out of 5 from 1 rating"),
        "{}",
        page.body
    );
    let index = app.client().get("/").await;
    assert!(index.body.contains("2.0 ★ from 1 rating"));
    let anonymous_page = app.client().get(&format!("/articles/{slug}")).await;
    assert!(anonymous_page.body.contains("Log in to rate this story"));
}

#[tokio::test]
async fn bad_comments_get_clear_errors_and_change_nothing() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let (_, article, _) = story(&app, "wendy", "First story").await;
    let (_, other_article, _) = story(&app, "olga", "Second story").await;
    let mut tom = app.user("tom", None).await;
    let elsewhere = post_ok(&mut tom, other_article, None, "On the other story").await;
    let doomed = post_ok(&mut tom, article, None, "Soon gone").await;
    let keeper = post_ok(
        &mut tom,
        article,
        Some(doomed),
        "A reply keeps it as a placeholder",
    )
    .await;
    let deleted = tom
        .call("delete_comment", &[("comment_id", &doomed.to_string())])
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    let before = total_comments(&pool).await;
    let count_before = comment_count(&pool, article).await;

    let cases: Vec<(Option<i64>, String, &str)> = vec![
        (None, String::new(), "Write something"),
        (None, "   \n\t ".to_owned(), "Write something"),
        (None, "x".repeat(10_001), "up to 10000 characters"),
        (Some(elsewhere), "Hi".to_owned(), "another story"),
        (Some(987_654), "Hi".to_owned(), "no longer exists"),
        (Some(doomed), "Hi".to_owned(), "was removed"),
    ];
    for (parent, body, expected) in cases {
        let response = post(&mut tom, article, parent, &body).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{parent:?}: {}",
            response.body
        );
        assert!(
            response.body.contains(expected),
            "{expected}: {}",
            response.body
        );
    }
    let missing_article = post(&mut tom, 999_999, None, "Hello").await;
    assert_eq!(missing_article.status, StatusCode::NOT_FOUND);
    let not_a_number = tom
        .call("post_comment", &[("article_id", "abc"), ("body", "Hello")])
        .await;
    assert_eq!(not_a_number.status, StatusCode::BAD_REQUEST);

    // Editing to nothing or too much is refused the same way.
    let keeper_id = keeper.to_string();
    let empty_edit = tom
        .call("edit_comment", &[("comment_id", &keeper_id), ("body", " ")])
        .await;
    assert_eq!(empty_edit.status, StatusCode::UNPROCESSABLE_ENTITY);

    assert_eq!(total_comments(&pool).await, before, "nothing was stored");
    assert_eq!(comment_count(&pool, article).await, count_before);
}

#[tokio::test]
async fn permission_matrix_for_comments() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let (mut writer, article, _) = story(&app, "wendy", "Talk to me").await;
    let mut tom = app.user("tom", None).await;
    let mut tina = app.user("tina", None).await;
    let mut staff = app.staff("sam").await;
    let mut anonymous = app.client();

    assert_eq!(
        post(&mut anonymous, article, None, "Hello").await.status,
        StatusCode::UNAUTHORIZED
    );
    let toms = post_ok(&mut tom, article, None, "Tom's first").await;
    let writers = post_ok(&mut writer, article, Some(toms), "The author answers").await;
    let staffs = post_ok(&mut staff, article, None, "Staff can talk too").await;
    let id = toms.to_string();

    // Only the author edits or reads the source; others get 403, anonymous 401.
    for (client, expected) in [
        (&mut anonymous, StatusCode::UNAUTHORIZED),
        (&mut tina, StatusCode::FORBIDDEN),
        (&mut writer, StatusCode::FORBIDDEN),
        (&mut staff, StatusCode::FORBIDDEN),
    ] {
        let edit = client
            .call("edit_comment", &[("comment_id", &id), ("body", "Hijacked")])
            .await;
        assert_eq!(edit.status, expected, "{}", edit.body);
        let source = client.call("comment_source", &[("comment_id", &id)]).await;
        assert_eq!(source.status, expected);
    }
    let edited = tom
        .call(
            "edit_comment",
            &[("comment_id", &id), ("body", "Tom's *edited* words")],
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.json()["edited"], true);
    assert!(edited.json()["body_html"]
        .as_str()
        .unwrap()
        .contains("<em>edited</em>"));
    assert_eq!(
        tom.call("comment_source", &[("comment_id", &id)])
            .await
            .json(),
        "Tom's *edited* words"
    );

    // Hiding is for staff only.
    for (client, expected) in [
        (&mut anonymous, StatusCode::UNAUTHORIZED),
        (&mut tina, StatusCode::FORBIDDEN),
        (&mut tom, StatusCode::FORBIDDEN),
        (&mut writer, StatusCode::FORBIDDEN),
    ] {
        let hide = client
            .call("moderate_comment", &[("comment_id", &id), ("hide", "true")])
            .await;
        assert_eq!(hide.status, expected);
    }
    let hidden = staff
        .call("moderate_comment", &[("comment_id", &id), ("hide", "true")])
        .await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.body);
    assert_eq!(hidden.json()["state"], "Hidden");
    assert!(
        !hidden.json()["body_html"].as_str().unwrap().is_empty(),
        "staff still read hidden comments"
    );
    assert_eq!(
        comment_count(&pool, article).await,
        2,
        "hidden comments are not counted"
    );
    let page = app
        .client()
        .call(
            "more_comments",
            &[("article_id", &article.to_string()), ("after", "")],
        )
        .await;
    let public = page.json();
    let public_toms = public["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == toms)
        .expect("still in the thread");
    assert_eq!(
        public_toms["body_html"], "",
        "readers don't see hidden text"
    );
    assert!(public_toms["author"].is_null());
    let shown = staff
        .call(
            "moderate_comment",
            &[("comment_id", &id), ("hide", "false")],
        )
        .await;
    assert_eq!(shown.json()["state"], "Visible");
    assert_eq!(comment_count(&pool, article).await, 3);

    // Delete: the author or staff; not other readers, not the article's writer.
    let writers_id = writers.to_string();
    for (client, expected) in [
        (&mut anonymous, StatusCode::UNAUTHORIZED),
        (&mut tina, StatusCode::FORBIDDEN),
        (&mut tom, StatusCode::FORBIDDEN),
    ] {
        let delete = client
            .call("delete_comment", &[("comment_id", &writers_id)])
            .await;
        assert_eq!(delete.status, expected);
    }
    assert_eq!(
        staff
            .call("delete_comment", &[("comment_id", &writers_id)])
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        staff
            .call("delete_comment", &[("comment_id", &staffs.to_string())])
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        tom.call("delete_comment", &[("comment_id", &id)])
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(total_comments(&pool).await, 0);
    assert_eq!(comment_count(&pool, article).await, 0);
}

#[tokio::test]
async fn deleting_keeps_the_thread_shape() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let (_, article, slug) = story(&app, "wendy", "Shapes").await;
    let mut tom = app.user("tom", None).await;
    let a = post_ok(&mut tom, article, None, "A").await;
    let b = post_ok(&mut tom, article, Some(a), "B").await;
    let c = post_ok(&mut tom, article, Some(b), "C").await;
    assert_eq!(comment_count(&pool, article).await, 3);

    let middle = tom
        .call("delete_comment", &[("comment_id", &b.to_string())])
        .await;
    assert_eq!(middle.status, StatusCode::OK);
    let placeholder = &middle.json()["Placeholder"];
    assert_eq!(placeholder["state"], "Deleted");
    assert_eq!(placeholder["body_html"], "");
    assert_eq!(comment_count(&pool, article).await, 2);
    let page = app.client().get(&format!("/articles/{slug}")).await;
    assert!(page.body.contains("This comment was deleted."));
    assert!(page.body.contains(">C</p>"));

    // Deleting the last reply under a placeholder removes the placeholder as well.
    let last = tom
        .call("delete_comment", &[("comment_id", &c.to_string())])
        .await;
    assert_eq!(last.json(), "Removed");
    let left: Vec<i64> = sqlx::query_scalar("SELECT id FROM comments ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(left, [a]);
    assert_eq!(comment_count(&pool, article).await, 1);
    let again = tom
        .call("delete_comment", &[("comment_id", &b.to_string())])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn comments_are_sanitized_markdown_without_images_or_headings() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let (_, article, slug) = story(&app, "wendy", "Safe talk").await;
    let mut tom = app.user("tom", None).await;
    let response = post(
        &mut tom,
        article,
        None,
        "# Shout\n\n**bold** <script>alert(1)</script> ![x](/media/x.png) [link](javascript:alert(1)) <img src=x onerror=alert(1)>",
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let html = response.json()["body_html"].as_str().unwrap().to_owned();
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    for forbidden in ["<script", "<img", "<h1", "javascript:", "onerror"] {
        assert!(!html.contains(forbidden), "{forbidden} in {html}");
    }
    let page = app.client().get(&format!("/articles/{slug}")).await;
    assert!(!page.body.contains("alert(1)</script>"));
}

/// The expected depth-first order: each comment, then its replies oldest first.
fn depth_first(parents: &[(i64, Option<i64>)]) -> Vec<i64> {
    let mut children: HashMap<Option<i64>, Vec<i64>> = HashMap::new();
    for &(id, parent) in parents {
        children.entry(parent).or_default().push(id);
    }
    for list in children.values_mut() {
        list.sort();
    }
    let mut order = Vec::new();
    let mut stack: Vec<i64> = children.get(&None).cloned().unwrap_or_default();
    stack.reverse();
    while let Some(id) = stack.pop() {
        order.push(id);
        if let Some(kids) = children.get(&Some(id)) {
            stack.extend(kids.iter().rev());
        }
    }
    order
}

#[tokio::test]
async fn a_200_level_thread_loads_in_order_in_one_query() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let (_, article, _) = story(&app, "wendy", "Deep talk").await;
    let author = readers(&pool, 1).await[0];
    let mut parent = None;
    let mut ids = Vec::new();
    for level in 0..200 {
        let body = format!("Level {level}");
        let id = comments::insert(
            &pool,
            &comments::NewComment {
                article_id: article,
                parent_id: parent,
                author_id: author,
                body_md: &body,
                body_html: &body,
            },
        )
        .await
        .expect("reply");
        ids.push(id);
        parent = Some(id);
    }
    // A sibling of the root, posted last, comes after the whole deep branch.
    let sibling = comments::insert(
        &pool,
        &comments::NewComment {
            article_id: article,
            parent_id: None,
            author_id: author,
            body_md: "Later",
            body_html: "Later",
        },
    )
    .await
    .unwrap();

    let thread = comments::thread(&pool, article, "", 10_000)
        .await
        .expect("thread");
    assert_eq!(thread.len(), 201);
    for (level, row) in thread.iter().take(200).enumerate() {
        assert_eq!(row.id, ids[level]);
        assert_eq!(row.depth, level as i32);
        assert_eq!(row.parent_id, level.checked_sub(1).map(|p| ids[p]));
    }
    assert_eq!(thread[200].id, sibling);
    assert_eq!(comment_count(&pool, article).await, 201);
}

#[tokio::test]
async fn a_5000_comment_thread_loads_in_order_and_pages_cleanly() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let (_, article, slug) = story(&app, "wendy", "Wide talk").await;
    let author = readers(&pool, 1).await[0];

    // 5,000 comments: 100 threads, each reply attached to a pseudo-random earlier comment of
    // its thread, inserted in bulk with paths built by the same encoder the app uses.
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT nextval(pg_get_serial_sequence('comments', 'id')) FROM generate_series(1, 5000)",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut parents: Vec<(i64, Option<i64>)> = Vec::new();
    let mut paths: HashMap<i64, (String, i32)> = HashMap::new();
    let mut seed: u64 = 42;
    let mut rows = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, &id) in ids.iter().enumerate() {
        let thread_start = i - i % 50;
        let parent = if i % 50 == 0 {
            None
        } else {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let pick = thread_start + (seed >> 33) as usize % (i - thread_start);
            Some(ids[pick])
        };
        let (path, depth) = match parent {
            None => (comments::path_segment(id), 0),
            Some(p) => {
                let (parent_path, parent_depth) = &paths[&p];
                (
                    format!("{parent_path}{}", comments::path_segment(id)),
                    parent_depth + 1,
                )
            }
        };
        paths.insert(id, (path.clone(), depth));
        parents.push((id, parent));
        rows.0.push(id);
        rows.1.push(parent);
        rows.2.push(path);
        rows.3.push(depth);
    }
    sqlx::query(
        "INSERT INTO comments (id, article_id, parent_id, author_id, path, depth, body_md, body_html)
         SELECT t.id, $1, t.parent, $2, t.path, t.depth, 'hi', '<p>hi</p>'
         FROM unnest($3::bigint[], $4::bigint[], $5::text[], $6::int[]) AS t(id, parent, path, depth)",
    )
    .bind(article)
    .bind(author)
    .bind(&rows.0)
    .bind(&rows.1)
    .bind(&rows.2)
    .bind(&rows.3)
    .execute(&pool)
    .await
    .expect("bulk insert");

    let expected = depth_first(&parents);
    let thread = comments::thread(&pool, article, "", 10_000).await.unwrap();
    let got: Vec<i64> = thread.iter().map(|r| r.id).collect();
    assert_eq!(got.len(), 5000);
    assert_eq!(
        got, expected,
        "one query returns the tree in depth-first order"
    );
    for row in &thread {
        assert_eq!(row.depth, paths[&row.id].1);
    }

    // Paging with the keyset cursor walks the same order without gaps or repeats.
    let mut paged = Vec::new();
    let mut after = String::new();
    let mut client = app.client();
    loop {
        let response = client
            .call(
                "more_comments",
                &[("article_id", &article.to_string()), ("after", &after)],
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        let page = response.json();
        let comments = page["comments"].as_array().unwrap();
        assert!(comments.len() <= 50);
        paged.extend(comments.iter().map(|c| c["id"].as_i64().unwrap()));
        match page["next_after"].as_str() {
            Some(next) => {
                assert_eq!(
                    page["remaining"].as_i64().unwrap(),
                    5000 - paged.len() as i64
                );
                after = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(paged, expected);

    // The page itself stays small: one page of comments and a "show more" button.
    let page = app.client().get(&format!("/articles/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Show more comments (4950 more)"));
    assert!(
        page.body.len() < 400_000,
        "page is {} bytes",
        page.body.len()
    );
}

/// The stars on index, tag, author and search cards: a plain form with the story page's rules.
#[tokio::test]
async fn rating_from_a_story_card() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let slug = writer.publish("Card stars", "Body text.").await;
    let action = format!("action=\"/articles/{slug}/rating\"");
    let post = |body: String| common::form(&format!("/articles/{slug}/rating"), &body);

    // Anonymous readers see the stars; choosing sends them to log in, then back to the card.
    let index = app.client().get("/").await;
    assert!(index.body.contains(&action), "{}", index.body);
    assert!(index.body.contains(&format!("id=\"story-{slug}\"")));
    let anonymous = app.client().send(post("stars=4&back=%2F".into())).await;
    assert_eq!(
        anonymous.header("location"),
        Some(format!("/login?next=%2F%23story-{slug}").as_str())
    );

    let mut reader = app.user("rita", None).await;
    let rated = reader
        .send(post("stars=4&back=%2F%3Fsort%3Drating".into()))
        .await;
    assert!(rated.status.is_redirection(), "{}", rated.body);
    assert_eq!(
        rated.header("location"),
        Some(format!("/?sort=rating#story-{slug}").as_str())
    );
    let aggregate: (i64, i64) =
        sqlx::query_as("SELECT rating_sum, rating_count FROM articles WHERE slug = $1")
            .bind(&slug)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(aggregate, (4, 1));
    let again = reader.get("/").await;
    assert!(again.body.contains("4.0 ★ from 1 rating"), "{}", again.body);
    assert!(again.body.contains("Change rating"));
    let four = again
        .body
        .split(&format!("id=\"rate-{slug}-4\""))
        .nth(1)
        .expect("the fourth star");
    assert!(four[..four.find('>').unwrap()].contains("checked"));
    // The same on the author's page and in search results.
    assert!(reader.get("/authors/wendy").await.body.contains(&action));
    assert!(reader.get("/search?q=card").await.body.contains(&action));

    // Only local paths to come back to; bad stars get a readable page, not JSON.
    let elsewhere = reader
        .send(post("stars=5&back=%2F%2Fevil.example".into()))
        .await;
    assert_eq!(
        elsewhere.header("location"),
        Some(format!("/articles/{slug}#story-{slug}").as_str())
    );
    let bad = reader.send(post("stars=9&back=%2F".into())).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Choose a rating from 1 to 5 stars."),
        "{}",
        bad.body
    );
    assert!(bad
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/html"));

    // Writers don't rate their own stories: no stars on their cards, and the rule holds.
    let own = writer.get("/").await;
    assert!(!own.body.contains(&action));
    let refused = writer.send(post("stars=5&back=%2F".into())).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("rate your own story."),
        "{}",
        refused.body
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM ratings")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn unconfirmed_readers_see_why_cards_offer_no_stars() {
    let pool = common::test_pool().await;
    let app = TestApp::with_vars(pool.clone(), &[("REQUIRE_VERIFIED_EMAIL", "true")]).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    sqlx::query("UPDATE users SET email_verified_at = now() WHERE username = 'wendy'")
        .execute(&pool)
        .await
        .unwrap();
    let slug = writer.publish("Confirm first", "Body text.").await;
    let mut reader = app.user("rita", None).await;
    let index = reader.get("/").await;
    assert!(!index
        .body
        .contains(&format!("action=\"/articles/{slug}/rating\"")));
    assert!(index.body.contains("Confirm your e-mail address to rate"));
    let refused = reader
        .send(common::form(
            &format!("/articles/{slug}/rating"),
            "stars=4&back=%2F",
        ))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("confirm your e-mail address"));
}

#[tokio::test]
async fn counts_are_singular_for_one() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let slug = writer.publish("One of each", "Body text.").await;
    let article = common::article_id(app.pool(), &slug).await.to_string();
    let mut reader = app.user("rita", None).await;
    reader
        .call("post_comment", &[("article_id", &article), ("body", "Hi")])
        .await;
    reader
        .call("rate_article", &[("article_id", &article), ("stars", "3")])
        .await;
    let index = app.client().get("/").await;
    assert!(index.body.contains("1 comment<"), "{}", index.body);
    assert!(!index.body.contains("1 comments"));
    assert!(index.body.contains("from 1 rating<"));
    assert!(app.client().get("/writers").await.body.contains("1 story<"));
}
