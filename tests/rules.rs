//! One rule per action, whatever the door: each rule of issue #15 tried through every door
//! that reaches it (the pages' server functions or plain forms, and the JSON API), on the real
//! router, PostgreSQL and Redis.

mod common;

use axum::http::{Method, StatusCode};
use common::{api, error_of, form, test_pool, Client, TestApp, PASSWORD};
use serde_json::json;
use waypost::accounts::server::tokens::{self, Purpose};

const NEW_PASSWORD: &str = "compass-harbour-lantern-2";

async fn user_id(app: &TestApp, username: &str) -> i64 {
    sqlx::query_scalar!("SELECT id FROM users WHERE username = $1", username)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

async fn email_of(app: &TestApp, username: &str) -> String {
    sqlx::query_scalar!("SELECT email FROM users WHERE username = $1", username)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

/// A JWT from the API's login for `email`.
async fn api_login(app: &TestApp, email: &str, password: &str) -> String {
    let r = api(
        &mut app.client(),
        Method::POST,
        "/api/users/login",
        None,
        Some(json!({"user": {"email": email, "password": password}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["user"]["token"].as_str().unwrap().to_owned()
}

/// A personal API token made on the account page (which asks for the password).
async fn account_token(web: &mut Client, name: &str, password: &str) -> String {
    let r = web
        .send(form(
            "/account/api-tokens",
            &format!("name={name}&password={password}"),
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = web.get("/account").await;
    let start = page.body.find("wpt_").expect("the new token is shown");
    page.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

async fn works(app: &TestApp, token: &str) -> bool {
    let r = api(
        &mut app.client(),
        Method::GET,
        "/api/user",
        Some(token),
        None,
    )
    .await;
    match r.status {
        StatusCode::OK => true,
        StatusCode::UNAUTHORIZED => false,
        other => panic!("unexpected {other}: {}", r.body),
    }
}

async fn signed_in(client: &mut Client) -> bool {
    !client.current_user().await.is_null()
}

/// A JWT whose password check happened an hour ago (not a fresh login).
async fn stale_jwt(app: &TestApp, username: &str) -> String {
    let user =
        waypost::accounts::server::repo::find_by_id(app.pool(), user_id(app, username).await)
            .await
            .unwrap()
            .unwrap();
    let now = waypost::api::auth::now_secs();
    waypost::api::auth::issue_jwt_at(&app.state, &user, now - 3600, now).unwrap()
}

#[tokio::test]
async fn changing_the_password_needs_the_password_or_a_fresh_login_at_every_door() {
    let app = TestApp::new(test_pool().await).await;
    let mut web = app.user("ana", None).await;
    // Web: the current password is checked.
    let r = web
        .call(
            "change_password",
            &[
                ("current_password", "not-my-password-at-all"),
                ("new_password", NEW_PASSWORD),
                ("new_password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // API: a personal token alone, or an old JWT, is not enough…
    let token = account_token(&mut web, "script", PASSWORD).await;
    let stale = stale_jwt(&app, "ana").await;
    for credential in [&token, &stale] {
        let r = api(
            &mut app.client(),
            Method::PUT,
            "/api/user",
            Some(credential),
            Some(json!({"user": {"password": NEW_PASSWORD}})),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(error_of(&r, "currentPassword").contains("current password"));
        let wrong = api(
            &mut app.client(),
            Method::PUT,
            "/api/user",
            Some(credential),
            Some(
                json!({"user": {"password": NEW_PASSWORD, "currentPassword": "wrong-password-x"}}),
            ),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // …nor is a stolen session: minting a token asks for the password too.
    let r = web.send(form("/account/api-tokens", "name=thief")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(web.get("/account").await.body.contains("current password"));
    let tokens = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM api_tokens"#)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(tokens, 1, "no token without the password");
    // The password typed with the change, or a fresh login, is.
    let r = api(
        &mut app.client(),
        Method::PUT,
        "/api/user",
        Some(&token),
        Some(json!({"user": {"password": NEW_PASSWORD, "currentPassword": PASSWORD}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fresh = api_login(&app, "ana@example.com", NEW_PASSWORD).await;
    let r = api(
        &mut app.client(),
        Method::PUT,
        "/api/user",
        Some(&fresh),
        Some(json!({"user": {"password": PASSWORD}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_password_change_or_reset_ends_every_other_session_at_every_door() {
    let app = TestApp::new(test_pool().await).await;
    let email = "ana@example.com";

    // The account page: the browser that changed it stays in, everything else is out.
    let mut changer = app.user("ana", None).await;
    let mut other_browser = app.client();
    other_browser.login("ana", PASSWORD).await;
    let jwt = api_login(&app, email, PASSWORD).await;
    let token = account_token(&mut changer, "one", PASSWORD).await;
    let r = changer
        .call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("new_password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(signed_in(&mut changer).await, "the changing session stays");
    assert!(!signed_in(&mut other_browser).await);
    assert!(!works(&app, &jwt).await, "JWTs end");
    assert!(!works(&app, &token).await, "API tokens end");

    // The API with a JWT: that JWT stays (a RealWorld client changes twice with one token).
    let mut browser = app.client();
    browser.login("ana", NEW_PASSWORD).await;
    let changing_jwt = api_login(&app, email, NEW_PASSWORD).await;
    let other_jwt = api_login(&app, email, NEW_PASSWORD).await;
    let token = account_token(&mut browser, "two", NEW_PASSWORD).await;
    for password in [PASSWORD, NEW_PASSWORD] {
        let r = api(
            &mut app.client(),
            Method::PUT,
            "/api/user",
            Some(&changing_jwt),
            Some(json!({"user": {"password": password}})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    assert!(works(&app, &changing_jwt).await);
    assert!(!works(&app, &other_jwt).await);
    assert!(!works(&app, &token).await);
    assert!(!signed_in(&mut browser).await);

    // The API with a personal token (and the password): that token stays.
    let mut browser = app.client();
    browser.login("ana", NEW_PASSWORD).await;
    let changing_token = account_token(&mut browser, "three", NEW_PASSWORD).await;
    let other_token = account_token(&mut browser, "four", NEW_PASSWORD).await;
    let jwt = api_login(&app, email, NEW_PASSWORD).await;
    let r = api(
        &mut app.client(),
        Method::PUT,
        "/api/user",
        Some(&changing_token),
        Some(json!({"user": {"password": PASSWORD, "currentPassword": NEW_PASSWORD}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(works(&app, &changing_token).await);
    assert!(!works(&app, &other_token).await);
    assert!(!works(&app, &jwt).await);
    assert!(works(&app, &api_login(&app, email, PASSWORD).await).await);

    // A reset ends them all (someone else may have been using the account).
    let mut browser = app.client();
    browser.login("ana", PASSWORD).await;
    let jwt = api_login(&app, email, PASSWORD).await;
    let id = user_id(&app, "ana").await;
    let link = tokens::issue(app.pool(), id, Purpose::ResetPassword, None)
        .await
        .unwrap();
    let r = app
        .client()
        .call(
            "reset_password",
            &[
                ("token", &link),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!signed_in(&mut browser).await);
    assert!(!works(&app, &jwt).await);
    assert!(!works(&app, &changing_token).await);
}

#[tokio::test]
async fn a_new_address_takes_effect_only_through_the_link_sent_to_it() {
    let app = TestApp::new(test_pool().await).await;
    let mut web = app.user("ana", None).await;
    let id = user_id(&app, "ana").await;

    // Web door: the request sends a link; the address stays.
    let r = web
        .call(
            "request_email_change",
            &[("new_email", "ana.new@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(email_of(&app, "ana").await, "ana@example.com");
    // API door, fresh login: the same.
    let jwt = api_login(&app, "ana@example.com", PASSWORD).await;
    let r = api(
        &mut app.client(),
        Method::PUT,
        "/api/user",
        Some(&jwt),
        Some(json!({"user": {"email": "ana.api@example.com", "bio": "Still me"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["email"], "ana@example.com");
    assert_eq!(r.json()["user"]["bio"], "Still me");
    assert_eq!(email_of(&app, "ana").await, "ana@example.com");
    let pending: Vec<Option<String>> = sqlx::query_scalar!(
        "SELECT email FROM account_tokens WHERE user_id = $1 AND purpose = 'change_email' AND used_at IS NULL",
        id
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert_eq!(pending, vec![Some("ana.api@example.com".to_owned())]);
    // API door, stale JWT or personal token: the password is needed.
    let stale = stale_jwt(&app, "ana").await;
    let r = api(
        &mut app.client(),
        Method::PUT,
        "/api/user",
        Some(&stale),
        Some(json!({"user": {"email": "ana.stale@example.com"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["errors"]["currentPassword"].is_array());

    // A verification link confirms only the address it was sent to.
    let old_link = tokens::issue(
        app.pool(),
        id,
        Purpose::VerifyEmail,
        Some("ana@example.com"),
    )
    .await
    .unwrap();
    let change = tokens::issue(
        app.pool(),
        id,
        Purpose::ChangeEmail,
        Some("ana.final@example.com"),
    )
    .await
    .unwrap();
    let r = web
        .call("confirm_email_change", &[("token", &change)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(email_of(&app, "ana").await, "ana.final@example.com");
    let r = web.call("verify_email", &[("token", &old_link)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let elsewhere = tokens::issue(
        app.pool(),
        id,
        Purpose::VerifyEmail,
        Some("someone@example.com"),
    )
    .await
    .unwrap();
    sqlx::query!(
        "UPDATE users SET email_verified_at = NULL WHERE id = $1",
        id
    )
    .execute(app.pool())
    .await
    .unwrap();
    let r = web.call("verify_email", &[("token", &elsewhere)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("no longer uses"), "{}", r.body);
    let verified = sqlx::query_scalar!(
        r#"SELECT email_verified_at IS NOT NULL AS "v!" FROM users WHERE id = $1"#,
        id
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert!(!verified, "a link for another address confirms nothing");
}

#[tokio::test]
async fn switching_at_once_cancels_the_old_links() {
    let app = TestApp::with_vars(test_pool().await, &[("CONFIRM_EMAIL_CHANGE", "false")]).await;
    app.user("bea", None).await;
    let id = user_id(&app, "bea").await;
    let old_link = tokens::issue(
        app.pool(),
        id,
        Purpose::VerifyEmail,
        Some("bea@example.com"),
    )
    .await
    .unwrap();
    let jwt = api_login(&app, "bea@example.com", PASSWORD).await;
    let r = api(
        &mut app.client(),
        Method::PUT,
        "/api/user",
        Some(&jwt),
        Some(json!({"user": {"email": "bea.new@example.com"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["email"], "bea.new@example.com");
    let r = app
        .client()
        .call("verify_email", &[("token", &old_link)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

/// The session cookie's value, which names the session.
fn cookie(client: &Client) -> String {
    client.cookie.clone().expect("a session cookie")
}

#[tokio::test]
async fn every_sign_in_issues_a_fresh_session_id() {
    let app = TestApp::new(test_pool().await).await;
    let mut browser = app.user("ana", None).await;
    app.user("bea", None).await;
    let as_ana = cookie(&browser);
    // Password login while someone is signed in.
    let r = browser.login("bea", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let as_bea = cookie(&browser);
    assert_ne!(as_ana, as_bea);
    let mut replay = app.client();
    replay.cookie = Some(as_ana.clone());
    assert!(!signed_in(&mut replay).await, "the old id is worth nothing");
    // Login again as the same user: still a new id.
    browser.login("bea", PASSWORD).await;
    assert_ne!(cookie(&browser), as_bea);
    // Sign-up while signed in.
    let before = cookie(&browser);
    let r = browser.signup("cleo", "cleo@example.com").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_ne!(cookie(&browser), before);
    assert_eq!(browser.current_user().await["username"], "cleo");
    // The API: each login is a token of its own.
    let first = api_login(&app, "ana@example.com", PASSWORD).await;
    let second = api_login(&app, "ana@example.com", PASSWORD).await;
    assert_ne!(first, second);
}

#[tokio::test]
async fn a_draft_is_a_404_to_everyone_but_its_authors_on_every_route() {
    let app = TestApp::new(test_pool().await).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let r = writer
        .save_article(None, "Secret plans", "Not yet.", "draft")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let slug = r.json().as_str().unwrap().to_owned();
    let id = common::article_id(app.pool(), &slug).await;
    // Renamed: the old slug is in the history.
    let r = writer
        .save_article(Some(id), "Secret plans, revised", "Not yet.", "draft")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let new_slug = r.json().as_str().unwrap().to_owned();
    assert_ne!(slug, new_slug);

    let mut stranger = app.user("sam", Some("writer")).await;
    let mut anonymous = app.client();
    for reader in [&mut stranger, &mut anonymous] {
        assert_eq!(
            reader.get(&format!("/articles/{new_slug}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            reader.get(&format!("/articles/{slug}")).await.status,
            StatusCode::NOT_FOUND
        );
        let r = reader.call("load_editor", &[("slug", &new_slug)]).await;
        assert!(
            matches!(r.status, StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED),
            "{}",
            r.status
        );
        let r = reader
            .call(
                "more_comments",
                &[("article_id", &id.to_string()), ("after", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let r = api(
            reader,
            Method::GET,
            &format!("/api/articles/{new_slug}"),
            None,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = api(
            reader,
            Method::GET,
            &format!("/api/articles/{new_slug}/comments"),
            None,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    // A signed-in stranger: the editor says 404 (not 403), as does the heart.
    let r = stranger.call("load_editor", &[("slug", &new_slug)]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = stranger
        .send(form(&format!("/articles/{new_slug}/favorite"), "on=true"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = stranger
        .call("delete_article", &[("id", &id.to_string())])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The author sees it all, and the old slug leads them on.
    assert_eq!(
        writer.get(&format!("/articles/{new_slug}")).await.status,
        StatusCode::OK
    );
    let moved = writer.get(&format!("/articles/{slug}")).await;
    assert_eq!(moved.status, StatusCode::MOVED_PERMANENTLY);
    let r = writer.call("load_editor", &[("slug", &new_slug)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn reserved_words_are_never_slugs() {
    let app = TestApp::with_vars(test_pool().await, &[("SIGNUP_GROUP", "writer")]).await;
    let mut writer = app.user("wendy", None).await;
    let slug = writer.publish("New", "A story called New.").await;
    assert_eq!(slug, "new-story");
    assert_eq!(
        writer.get("/articles/new-story").await.status,
        StatusCode::OK
    );
    let jwt = api_login(&app, "wendy@example.com", PASSWORD).await;
    let r = api(
        &mut app.client(),
        Method::POST,
        "/api/articles",
        Some(&jwt),
        Some(json!({"article": {"title": "Edit", "description": "d", "body": "b"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["article"]["slug"], "edit-story");
}

#[tokio::test]
async fn sign_ups_and_comments_are_rate_limited_at_every_door() {
    let app = TestApp::with_vars(
        test_pool().await,
        &[
            ("SIGNUPS_PER_IP_PER_HOUR", "2"),
            ("COMMENTS_PER_USER_PER_MINUTE", "2"),
            ("SIGNUP_GROUP", "writer"),
        ],
    )
    .await;
    // Sign-up: the page and the API count together, per client address.
    let mut web = app.client();
    assert_eq!(
        web.signup("ana", "ana@example.com").await.status,
        StatusCode::OK
    );
    let r = api(
        &mut app.client(),
        Method::POST,
        "/api/users",
        None,
        Some(
            json!({"user": {"username": "bea", "email": "bea@example.com", "password": PASSWORD}}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let third = app.client().signup("cleo", "cleo@example.com").await;
    assert_eq!(
        third.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        third.body
    );
    assert!(third.header("retry-after").is_some());
    let r = api(
        &mut app.client(),
        Method::POST,
        "/api/users",
        None,
        Some(
            json!({"user": {"username": "dan", "email": "dan@example.com", "password": PASSWORD}}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.header("retry-after").is_some());
    let mut elsewhere = app.client();
    elsewhere.ip = [10, 1, 2, 3];
    assert_eq!(
        elsewhere.signup("eve", "eve@example.com").await.status,
        StatusCode::OK,
        "another address has its own allowance"
    );

    // Comments: per account, the island and the API together.
    let slug = web.publish("Lima", "At dawn.").await;
    let id = common::article_id(app.pool(), &slug).await.to_string();
    let jwt = api_login(&app, "ana@example.com", PASSWORD).await;
    let r = web
        .call("post_comment", &[("article_id", &id), ("body", "One")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api(
        &mut app.client(),
        Method::POST,
        &format!("/api/articles/{slug}/comments"),
        Some(&jwt),
        Some(json!({"comment": {"body": "Two"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = web
        .call("post_comment", &[("article_id", &id), ("body", "Three")])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let count: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM comments"#)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(count, 2);
}
