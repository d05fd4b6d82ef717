//! The JSON API (`/api`, RealWorld spec v2) against the real router, PostgreSQL and Redis:
//! every endpoint's success and its documented errors, tokens, CORS, rate limits, and the
//! web UI's favourites, follows, feed and API tokens that share its data.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::{api, error_of, form, register, test_pool, Client, TestApp};
use serde_json::{json, Value};

use common::PASSWORD;

async fn writers_app() -> TestApp {
    TestApp::with_vars(test_pool().await, &[("SIGNUP_GROUP", "writer")]).await
}

async fn create_article(client: &mut Client, token: &str, title: &str, tags: &[&str]) -> Value {
    let response = api(
        client,
        Method::POST,
        "/api/articles",
        Some(token),
        Some(json!({"article": {"title": title, "description": "About it", "body": "# Hello\n\nWorld", "tagList": tags}})),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.json()["article"].clone()
}

#[tokio::test]
async fn registration_login_and_current_user() {
    let app = TestApp::new(test_pool().await).await;
    let mut c = app.client();
    let response = api(
        &mut c,
        Method::POST,
        "/api/users",
        None,
        Some(
            json!({"user": {"username": "ana", "email": "ana@example.com", "password": PASSWORD}}),
        ),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    let user = &response.json()["user"];
    assert_eq!(user["username"], "ana");
    assert_eq!(user["email"], "ana@example.com");
    assert!(user["bio"].is_null() && user["image"].is_null());
    // A new account is a traveller (SIGNUP_GROUP's default), with a profile.
    let groups = waypost::accounts::server::repo::group_names(
        app.pool(),
        sqlx::query_scalar!("SELECT id FROM users WHERE username = 'ana'")
            .fetch_one(app.pool())
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(groups, ["traveller"]);

    // Blank, taken and weak input.
    for (field, body) in [
        (
            "username",
            json!({"user": {"username": "", "email": "x@example.com", "password": PASSWORD}}),
        ),
        (
            "email",
            json!({"user": {"username": "xavier", "password": PASSWORD}}),
        ),
        (
            "password",
            json!({"user": {"username": "xavier", "email": "x@example.com", "password": ""}}),
        ),
    ] {
        let response = api(&mut c, Method::POST, "/api/users", None, Some(body)).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(error_of(&response, field), "can't be blank");
    }
    for (field, body) in [
        (
            "username",
            json!({"user": {"username": "ANA", "email": "other@example.com", "password": PASSWORD}}),
        ),
        (
            "email",
            json!({"user": {"username": "other", "email": "Ana@Example.com", "password": PASSWORD}}),
        ),
    ] {
        let response = api(&mut c, Method::POST, "/api/users", None, Some(body)).await;
        assert_eq!(
            response.status,
            StatusCode::CONFLICT,
            "{field}: {}",
            response.body
        );
        assert_eq!(error_of(&response, field), "has already been taken");
    }
    let weak = api(
        &mut c,
        Method::POST,
        "/api/users",
        None,
        Some(
            json!({"user": {"username": "weak", "email": "weak@example.com", "password": "short"}}),
        ),
    )
    .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&weak, "password").contains("at least 10"));
    let garbage = api(
        &mut c,
        Method::POST,
        "/api/users",
        None,
        Some(json!({"user": "nope"})),
    )
    .await;
    assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(garbage.json()["errors"]["body"].is_array());

    // Login.
    let ok = api(
        &mut c,
        Method::POST,
        "/api/users/login",
        None,
        Some(json!({"user": {"email": "ana@example.com", "password": PASSWORD}})),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let token = ok.json()["user"]["token"].as_str().unwrap().to_owned();
    let wrong = api(
        &mut c,
        Method::POST,
        "/api/users/login",
        None,
        Some(json!({"user": {"email": "ana@example.com", "password": "not-the-password"}})),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(&wrong, "credentials"), "invalid");
    let blank = api(
        &mut c,
        Method::POST,
        "/api/users/login",
        None,
        Some(json!({"user": {"email": "", "password": ""}})),
    )
    .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&blank, "email"), "can't be blank");
    assert_eq!(error_of(&blank, "password"), "can't be blank");

    // Current user: token required, bad and expired tokens refused.
    let me = api(&mut c, Method::GET, "/api/user", Some(&token), None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["user"]["username"], "ana");
    let missing = api(&mut c, Method::GET, "/api/user", None, None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(&missing, "token"), "is missing");
    let tampered = format!("{}x", &token[..token.len() - 1]);
    let invalid = api(&mut c, Method::GET, "/api/user", Some(&tampered), None).await;
    assert_eq!(invalid.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(&invalid, "token"), "is invalid");
    let id = sqlx::query_scalar!("SELECT id FROM users WHERE username = 'ana'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let long_ago = 1_000_000_000;
    let user = waypost::accounts::server::repo::find_by_id(app.pool(), id)
        .await
        .unwrap()
        .unwrap();
    let expired = waypost::api::auth::issue_jwt_at(&app.state, &user, long_ago, long_ago).unwrap();
    let refused = api(&mut c, Method::GET, "/api/user", Some(&expired), None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    // A token signed with another SECRET_KEY is worthless here.
    let other = TestApp::with_vars(
        test_pool().await,
        &[("SECRET_KEY", "another-secret-key-of-at-least-32-characters")],
    )
    .await;
    let foreign = waypost::api::auth::issue_jwt(&other.state, &user, long_ago).unwrap();
    let refused = api(&mut c, Method::GET, "/api/user", Some(&foreign), None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    // A deactivated account's tokens stop working.
    sqlx::query!("UPDATE users SET is_active = FALSE WHERE id = $1", id)
        .execute(app.pool())
        .await
        .unwrap();
    let refused = api(&mut c, Method::GET, "/api/user", Some(&token), None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn updating_the_user() {
    // RealWorld clients expect a new address at once (CONFIRM_EMAIL_CHANGE=false); the
    // confirmed flow is in tests/rules.rs.
    let app = TestApp::with_vars(
        test_pool().await,
        &[
            ("PASSWORD_POLICY", "basic"),
            ("CONFIRM_EMAIL_CHANGE", "false"),
        ],
    )
    .await;
    let mut c = app.client();
    let token = register(&mut c, "bea").await;
    register(&mut c, "taken").await;
    let update = async |c: &mut Client, body: Value| {
        api(c, Method::PUT, "/api/user", Some(&token), Some(body)).await
    };
    let r = update(
        &mut c,
        json!({"user": {"bio": "Walks a lot", "image": "https://example.com/bea.jpg"}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["bio"], "Walks a lot");
    assert_eq!(r.json()["user"]["image"], "https://example.com/bea.jpg");
    // "" and null both clear; absent keeps.
    let r = update(&mut c, json!({"user": {"bio": ""}})).await;
    assert!(r.json()["user"]["bio"].is_null());
    assert_eq!(r.json()["user"]["image"], "https://example.com/bea.jpg");
    let r = update(&mut c, json!({"user": {"image": null}})).await;
    assert!(r.json()["user"]["image"].is_null());
    for (field, body) in [
        ("email", json!({"user": {"email": null}})),
        ("username", json!({"user": {"username": ""}})),
        ("password", json!({"user": {"password": null}})),
        ("password", json!({"user": {"password": "short7c"}})),
        ("image", json!({"user": {"image": "javascript:alert(1)"}})),
        ("email", json!({"user": {"email": "not-an-address"}})),
    ] {
        let r = update(&mut c, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.body
        );
        assert!(r.json()["errors"][field].is_array(), "{field}: {}", r.body);
    }
    let r = update(&mut c, json!({"user": {"username": "TAKEN"}})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(error_of(&r, "username"), "has already been taken");
    // Username and e-mail change at once; the new address must be confirmed again.
    let r = update(
        &mut c,
        json!({"user": {"username": "bea2", "email": "bea2@example.com"}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["username"], "bea2");
    let verified = sqlx::query_scalar!(
        r#"SELECT email_verified_at IS NOT NULL AS "v!" FROM users WHERE username = 'bea2'"#
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert!(!verified);
    // The password policy is the site's (basic here: 8 characters do).
    let r = update(&mut c, json!({"user": {"password": "bonjour1"}})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let login = api(
        &mut c,
        Method::POST,
        "/api/users/login",
        None,
        Some(json!({"user": {"email": "bea2@example.com", "password": "bonjour1"}})),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK);
    let no_token = api(
        &mut c,
        Method::PUT,
        "/api/user",
        None,
        Some(json!({"user": {"bio": "x"}})),
    )
    .await;
    assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn only_writers_publish() {
    let app = TestApp::new(test_pool().await).await;
    let mut c = app.client();
    let token = register(&mut c, "traveller1").await;
    let r = api(
        &mut c,
        Method::POST,
        "/api/articles",
        Some(&token),
        Some(json!({"article": {"title": "T", "description": "D", "body": "B"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(error_of(&r, "article").contains("only writers"));
    assert_eq!(
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM articles"#)
            .fetch_one(app.pool())
            .await
            .unwrap(),
        0
    );
    let r = api(
        &mut c,
        Method::POST,
        "/api/articles",
        None,
        Some(json!({"article": {"title": "T", "description": "D", "body": "B"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(&r, "token"), "is missing");
}

#[tokio::test]
async fn articles_crud_filters_and_pages() {
    let app = writers_app().await;
    let mut c = app.client();
    let token = register(&mut c, "cleo").await;
    let other = register(&mut c, "dan").await;

    let article = create_article(&mut c, &token, "Lima at dawn", &["peru_trip", "food"]).await;
    assert_eq!(article["slug"], "lima-at-dawn");
    assert_eq!(article["body"], "# Hello\n\nWorld");
    assert_eq!(article["tagList"], json!(["food", "peru_trip"]));
    assert_eq!(article["favorited"], false);
    assert_eq!(article["favoritesCount"], 0);
    assert_eq!(article["author"]["username"], "cleo");
    assert!(article["createdAt"].as_str().unwrap().ends_with('Z'));
    // The same title gets its own slug; the article is on the web too, rendered.
    let twin = create_article(&mut c, &token, "Lima at dawn", &[]).await;
    assert_eq!(twin["slug"], "lima-at-dawn-2");
    let page = c.get("/articles/lima-at-dawn").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1 id=\"hello\">") || page.body.contains(">Hello</h1>"));

    for (field, body) in [
        (
            "title",
            json!({"article": {"title": "", "description": "d", "body": "b"}}),
        ),
        (
            "description",
            json!({"article": {"title": "t", "body": "b"}}),
        ),
        (
            "body",
            json!({"article": {"title": "t", "description": "d", "body": " "}}),
        ),
    ] {
        let r = api(
            &mut c,
            Method::POST,
            "/api/articles",
            Some(&token),
            Some(body),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_of(&r, field), "can't be blank");
    }
    let too_many: Vec<String> = (0..9).map(|i| format!("tag{i}")).collect();
    let r = api(&mut c, Method::POST, "/api/articles", Some(&token),
        Some(json!({"article": {"title": "t", "description": "d", "body": "b", "tagList": too_many}}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["errors"]["tagList"].is_array(), "{}", r.body);

    // Lists: newest first, no bodies, filters, limit/offset.
    let list = api(&mut c, Method::GET, "/api/articles", None, None)
        .await
        .json();
    assert_eq!(list["articlesCount"], 2);
    assert_eq!(list["articles"][0]["slug"], "lima-at-dawn-2");
    assert!(list["articles"][0].get("body").is_none());
    let by_tag = api(
        &mut c,
        Method::GET,
        "/api/articles?tag=peru_trip",
        None,
        None,
    )
    .await
    .json();
    assert_eq!(by_tag["articlesCount"], 1);
    let by_author = api(&mut c, Method::GET, "/api/articles?author=dan", None, None)
        .await
        .json();
    assert_eq!(by_author["articlesCount"], 0);
    let second = api(
        &mut c,
        Method::GET,
        "/api/articles?author=cleo&limit=1&offset=1",
        None,
        None,
    )
    .await
    .json();
    assert_eq!(second["articlesCount"], 2);
    assert_eq!(second["articles"][0]["slug"], "lima-at-dawn");
    for bad in ["limit=0", "limit=abc", "limit=101", "offset=-1"] {
        let r = api(
            &mut c,
            Method::GET,
            &format!("/api/articles?{bad}"),
            None,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }

    // Get, update (absent fields kept, [] clears tags, null refused), authorization.
    let got = api(
        &mut c,
        Method::GET,
        "/api/articles/lima-at-dawn",
        None,
        None,
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    let created_at = got.json()["article"]["createdAt"].clone();
    let r = api(
        &mut c,
        Method::PUT,
        "/api/articles/lima-at-dawn",
        Some(&token),
        Some(json!({"article": {"body": "New body"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let updated = &r.json()["article"];
    assert_eq!(updated["body"], "New body");
    assert_eq!(updated["tagList"], json!(["food", "peru_trip"]));
    assert_eq!(updated["createdAt"], created_at);
    assert_ne!(updated["updatedAt"], got.json()["article"]["updatedAt"]);
    let r = api(
        &mut c,
        Method::PUT,
        "/api/articles/lima-at-dawn",
        Some(&token),
        Some(json!({"article": {"tagList": []}})),
    )
    .await;
    assert_eq!(r.json()["article"]["tagList"], json!([]));
    let r = api(
        &mut c,
        Method::PUT,
        "/api/articles/lima-at-dawn",
        Some(&token),
        Some(json!({"article": {"tagList": null}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = api(
        &mut c,
        Method::PUT,
        "/api/articles/lima-at-dawn",
        Some(&token),
        Some(json!({"article": {"title": null}})),
    )
    .await;
    assert_eq!(error_of(&r, "title"), "can't be blank");
    let r = api(
        &mut c,
        Method::PUT,
        "/api/articles/lima-at-dawn",
        Some(&other),
        Some(json!({"article": {"body": "hijacked"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(error_of(&r, "article"), "forbidden");
    let r = api(
        &mut c,
        Method::DELETE,
        "/api/articles/lima-at-dawn",
        Some(&other),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A new title moves the article to a new slug.
    let r = api(
        &mut c,
        Method::PUT,
        "/api/articles/lima-at-dawn",
        Some(&token),
        Some(json!({"article": {"title": "Lima at dusk"}})),
    )
    .await;
    assert_eq!(r.json()["article"]["slug"], "lima-at-dusk");
    for missing in ["/api/articles/nope", "/api/articles/lima-at-dawn"] {
        let r = api(&mut c, Method::GET, missing, None, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(error_of(&r, "article"), "not found");
    }
    let r = api(
        &mut c,
        Method::PUT,
        "/api/articles/nope",
        Some(&token),
        Some(json!({"article": {"body": "x"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api(
        &mut c,
        Method::DELETE,
        "/api/articles/lima-at-dusk",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.body.is_empty());
    let r = api(
        &mut c,
        Method::DELETE,
        "/api/articles/lima-at-dusk",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Drafts written in the web editor are invisible through the API but to their authors.
    let mut web = app.user("eddie", None).await; // a writer: SIGNUP_GROUP=writer
    let saved = web
        .save_article(None, "Unfinished", "draft body", "draft")
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let r = api(&mut c, Method::GET, "/api/articles/unfinished", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let list = api(&mut c, Method::GET, "/api/articles?author=ed", None, None)
        .await
        .json();
    assert_eq!(list["articlesCount"], 0);

    // Tags in use.
    let tags = api(&mut c, Method::GET, "/api/tags", None, None)
        .await
        .json();
    assert_eq!(tags["tags"], json!([]));
    create_article(&mut c, &token, "Cusco", &["Andes"]).await;
    let tags = api(&mut c, Method::GET, "/api/tags", None, None)
        .await
        .json();
    assert_eq!(tags["tags"], json!(["Andes"]));
}

#[tokio::test]
async fn profiles_follows_and_feed() {
    let app = writers_app().await;
    let mut c = app.client();
    let reader = register(&mut c, "fay").await;
    let writer = register(&mut c, "gus").await;

    let p = api(&mut c, Method::GET, "/api/profiles/gus", None, None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(
        p.json()["profile"],
        json!({"username": "gus", "bio": null, "image": null, "following": false})
    );
    let p = api(&mut c, Method::GET, "/api/profiles/nobody", None, None).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&p, "profile"), "not found");
    let r = api(&mut c, Method::POST, "/api/profiles/gus/follow", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = api(
        &mut c,
        Method::POST,
        "/api/profiles/nobody/follow",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api(
        &mut c,
        Method::POST,
        "/api/profiles/fay/follow",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let feed = api(
        &mut c,
        Method::GET,
        "/api/articles/feed",
        Some(&reader),
        None,
    )
    .await
    .json();
    assert_eq!(feed["articlesCount"], 0);
    let r = api(&mut c, Method::GET, "/api/articles/feed", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    for _ in 0..2 {
        let r = api(
            &mut c,
            Method::POST,
            "/api/profiles/gus/follow",
            Some(&reader),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["profile"]["following"], true);
    }
    create_article(&mut c, &writer, "One", &[]).await;
    create_article(&mut c, &writer, "Two", &[]).await;
    create_article(&mut c, &reader, "Mine", &[]).await;
    let feed = api(
        &mut c,
        Method::GET,
        "/api/articles/feed?limit=1",
        Some(&reader),
        None,
    )
    .await
    .json();
    assert_eq!(feed["articlesCount"], 2);
    assert_eq!(feed["articles"][0]["slug"], "two");
    assert_eq!(feed["articles"][0]["author"]["following"], true);
    let p = api(
        &mut c,
        Method::GET,
        "/api/profiles/gus",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(p.json()["profile"]["following"], true);

    // The web UI reads the same follows: the reader's /following page and the follower count.
    let mut web = app.client();
    assert_eq!(web.login("fay", PASSWORD).await.status, StatusCode::OK);
    let page = web.get("/following").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("/articles/two") && !page.body.contains("/articles/mine"));
    assert!(web.get("/authors/gus").await.body.contains("1 follower"));
    let r = api(
        &mut c,
        Method::DELETE,
        "/api/profiles/gus/follow",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(r.json()["profile"]["following"], false);
    let feed = api(
        &mut c,
        Method::GET,
        "/api/articles/feed",
        Some(&reader),
        None,
    )
    .await
    .json();
    assert_eq!(feed["articlesCount"], 0);
    // Anonymous readers are asked to log in for their feed.
    let anonymous = app.client().get("/following").await;
    assert!(anonymous.status.is_redirection(), "{}", anonymous.status);
    assert!(anonymous
        .header("location")
        .unwrap_or_default()
        .starts_with("/login"));
}

#[tokio::test]
async fn favourites_through_the_api_and_the_page() {
    let app = writers_app().await;
    let mut c = app.client();
    let token = register(&mut c, "hal").await;
    let slug = create_article(&mut c, &token, "Sahara nights", &[]).await["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/articles/{slug}/favorite");
    for _ in 0..2 {
        let r = api(&mut c, Method::POST, &path, Some(&token), None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["article"]["favorited"], true);
        assert_eq!(r.json()["article"]["favoritesCount"], 1, "idempotent");
    }
    let favs = api(
        &mut c,
        Method::GET,
        "/api/articles?favorited=hal",
        None,
        None,
    )
    .await
    .json();
    assert_eq!(favs["articlesCount"], 1);
    assert_eq!(favs["articles"][0]["favorited"], false, "anonymous viewer");
    let r = api(
        &mut c,
        Method::POST,
        "/api/articles/nope/favorite",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api(&mut c, Method::POST, &path, None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = api(&mut c, Method::DELETE, &path, Some(&token), None).await;
    assert_eq!(r.json()["article"]["favoritesCount"], 0);

    // The web page's heart: a plain form that toggles the same favourite.
    let mut web = app.client();
    assert_eq!(web.login("hal", PASSWORD).await.status, StatusCode::OK);
    let page = web.get(&format!("/articles/{slug}")).await;
    assert!(page.body.contains("0 favourites"), "{}", page.body);
    let request = Request::post(format!("/articles/{slug}/favorite"))
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("on=true"))
        .unwrap();
    let r = web.send(request).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = web.get(&format!("/articles/{slug}")).await;
    assert!(page.body.contains("1 favourite"));
    assert!(page.body.contains("aria-pressed=\"true\""));
    // …and the profile lists it among the reader's favourites.
    let profile = web.get("/authors/hal").await;
    assert!(profile.body.contains("Favourites"));
    // A cross-site form post is refused before it counts.
    let forged = Request::post(format!("/articles/{slug}/favorite"))
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("on=false"))
        .unwrap();
    assert_eq!(web.send(forged).await.status, StatusCode::FORBIDDEN);
    let count = api(
        &mut c,
        Method::GET,
        &format!("/api/articles/{slug}"),
        None,
        None,
    )
    .await
    .json();
    assert_eq!(count["article"]["favoritesCount"], 1);
}

#[tokio::test]
async fn comments() {
    let app = writers_app().await;
    let mut c = app.client();
    let author = register(&mut c, "ivy").await;
    let stranger = register(&mut c, "jon").await;
    let slug = create_article(&mut c, &author, "Comment me", &[]).await["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/articles/{slug}/comments");
    let r = api(
        &mut c,
        Method::POST,
        &path,
        Some(&author),
        Some(json!({"comment": {"body": "First!"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let comment = r.json()["comment"].clone();
    assert_eq!(comment["body"], "First!");
    assert_eq!(comment["author"]["username"], "ivy");
    let id = comment["id"].as_i64().unwrap();
    let r = api(
        &mut c,
        Method::POST,
        &path,
        Some(&author),
        Some(json!({"comment": {"body": ""}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&r, "body"), "can't be blank");
    let r = api(
        &mut c,
        Method::POST,
        &path,
        None,
        Some(json!({"comment": {"body": "x"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = api(
        &mut c,
        Method::POST,
        "/api/articles/nope/comments",
        Some(&author),
        Some(json!({"comment": {"body": "x"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&r, "article"), "not found");

    // Without the comment permission (no group at all), the same 403 as on the web.
    let muted = register(&mut c, "mute").await;
    sqlx::query!(
        "DELETE FROM user_groups WHERE user_id = (SELECT id FROM users WHERE username = 'mute')"
    )
    .execute(app.pool())
    .await
    .unwrap();
    let r = api(
        &mut c,
        Method::POST,
        &path,
        Some(&muted),
        Some(json!({"comment": {"body": "hi"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(error_of(&r, "comment"), "forbidden");

    let list = api(&mut c, Method::GET, &path, None, None).await.json();
    assert_eq!(list["comments"].as_array().unwrap().len(), 1);
    let r = api(
        &mut c,
        Method::GET,
        "/api/articles/nope/comments",
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = api(
        &mut c,
        Method::DELETE,
        &format!("{path}/{id}"),
        Some(&stranger),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(error_of(&r, "comment"), "forbidden");
    for missing in ["99999", "abc"] {
        let r = api(
            &mut c,
            Method::DELETE,
            &format!("{path}/{missing}"),
            Some(&author),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(error_of(&r, "comment"), "not found");
    }
    let r = api(
        &mut c,
        Method::DELETE,
        &format!("{path}/{id}"),
        Some(&author),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let list = api(&mut c, Method::GET, &path, None, None).await.json();
    assert_eq!(list["comments"], json!([]));
    let count = sqlx::query_scalar!("SELECT comment_count FROM articles WHERE slug = $1", slug)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn unconfirmed_addresses_wait_to_comment_like_on_the_web() {
    let app = TestApp::with_vars(
        test_pool().await,
        &[
            ("SIGNUP_GROUP", "writer"),
            ("REQUIRE_VERIFIED_EMAIL", "true"),
        ],
    )
    .await;
    let mut c = app.client();
    let token = register(&mut c, "kim").await;
    let slug = create_article(&mut c, &token, "Wait", &[]).await["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api(
        &mut c,
        Method::POST,
        &format!("/api/articles/{slug}/comments"),
        Some(&token),
        Some(json!({"comment": {"body": "hello"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&r, "body").contains("confirm your e-mail"));
}

#[tokio::test]
async fn api_tokens_from_the_account_page() {
    let app = TestApp::new(test_pool().await).await;
    let mut web = app.user("lea", None).await;
    let r = web.send(form("/account/api-tokens", "name=")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = web.get("/account").await;
    assert!(page.body.contains("Name the token"), "{}", page.body);
    let r = web
        .send(form(
            "/account/api-tokens",
            "name=backup+script&password=harbour-lantern-compass",
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = web.get("/account").await;
    let start = page.body.find("wpt_").expect("the new token is shown");
    let token: String = page.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    assert_eq!(token.len(), 4 + 64);
    // Shown once only; only its hash is stored.
    assert!(!web.get("/account").await.body.contains(&token));
    let stored: Vec<u8> = sqlx::query_scalar!("SELECT token_hash FROM api_tokens")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_ne!(stored, token.as_bytes());

    let mut c = app.client();
    let me = api(&mut c, Method::GET, "/api/user", Some(&token), None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["user"]["username"], "lea");
    let bearer = Request::get("/api/user")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(c.send(bearer).await.status, StatusCode::OK);
    // The session cookie alone never authenticates an API call.
    let cookie_only = api(&mut web, Method::GET, "/api/user", None, None).await;
    assert_eq!(cookie_only.status, StatusCode::UNAUTHORIZED);

    let id = sqlx::query_scalar!("SELECT id FROM api_tokens")
        .fetch_one(app.pool())
        .await
        .unwrap();
    // Someone else can't revoke it.
    let mut intruder = app.user("max", None).await;
    let r = intruder
        .send(form(&format!("/account/api-tokens/{id}/revoke"), ""))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = web
        .send(form(&format!("/account/api-tokens/{id}/revoke"), ""))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let me = api(&mut c, Method::GET, "/api/user", Some(&token), None).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn openapi_document_docs_cors_and_rate_limits() {
    let app = TestApp::with_vars(
        test_pool().await,
        &[
            ("CORS_ALLOWED_ORIGINS", "https://app.example"),
            ("API_RATE_LIMIT", "5"),
        ],
    )
    .await;
    let mut c = app.client();
    let doc = c.get("/api/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc = doc.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/users/login",
        "/api/articles/{slug}/comments/{id}",
        "/api/articles/feed",
        "/api/tags",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert!(doc["components"]["securitySchemes"]["Token"].is_object());
    assert!(doc["paths"]["/api/user"]["get"]["responses"]["429"].is_object());
    let docs = c.get("/api/docs").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(
        docs.body.contains("<h1>Waypost API documentation</h1>"),
        "{}",
        docs.body
    );
    for asset in ["/api/docs/assets/swagger-ui-bundle.js", "/api/docs/init.js"] {
        let r = c.get(asset).await;
        assert_eq!(r.status, StatusCode::OK, "{asset}");
        assert!(
            r.header("content-type")
                .unwrap_or_default()
                .starts_with("text/javascript"),
            "{asset}"
        );
    }
    assert_eq!(
        c.get("/api/docs/assets/index.html").await.status,
        StatusCode::NOT_FOUND
    );
    // Swagger UI's inline styles are allowed on its pages only; scripts stay same-origin.
    let policy = docs.header("content-security-policy").unwrap_or_default();
    assert!(
        policy.contains("style-src 'self' 'unsafe-inline'")
            && policy.contains("script-src 'self';")
    );
    let home = c.get("/").await;
    assert!(!home
        .header("content-security-policy")
        .unwrap_or_default()
        .contains("unsafe-inline"));

    // CORS: the configured origin may call; others get no permission.
    let preflight = |origin: &str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/articles")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,content-type",
            )
            .body(Body::empty())
            .unwrap()
    };
    let allowed = c.send(preflight("https://app.example")).await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    let refused = c.send(preflight("https://evil.example")).await;
    assert_eq!(refused.header("access-control-allow-origin"), None);

    // Rate limit: per client address without a token (the preflights above didn't count).
    let mut last = None;
    for _ in 0..6 {
        last = Some(api(&mut c, Method::GET, "/api/tags", None, None).await);
    }
    let limited = last.unwrap();
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.header("retry-after").is_some());
    assert!(limited.json()["errors"]["rate"].is_array());
    // Another address has its own allowance.
    let mut elsewhere = app.client();
    elsewhere.ip = [10, 0, 0, 9];
    assert_eq!(
        api(&mut elsewhere, Method::GET, "/api/tags", None, None)
            .await
            .status,
        StatusCode::OK
    );
    // Unknown API routes answer JSON 404s.
    let r = api(&mut elsewhere, Method::GET, "/api/nothing-here", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&r, "route"), "not found");
}

#[tokio::test]
async fn a_new_authorization_header_per_request_is_still_throttled() {
    let app = TestApp::with_vars(test_pool().await, &[("API_RATE_LIMIT", "5")]).await;
    let mut c = app.client();
    let mut statuses = Vec::new();
    for n in 0..8 {
        let r = api(
            &mut c,
            Method::GET,
            "/api/tags",
            Some(&format!("made-up-{n}")),
            None,
        )
        .await;
        statuses.push(r.status);
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}
