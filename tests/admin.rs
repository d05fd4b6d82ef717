//! The staff admin area: every page and action refused to anonymous visitors, travellers and
//! writers, and carried out (and audited) for staff; promotion e-mails; `createsuperuser`.

mod common;

use axum::http::StatusCode;
use common::oauth_provider::location;
use common::{Client, TestApp};

async fn id_of(app: &TestApp, username: &str) -> i64 {
    sqlx::query_scalar!("SELECT id FROM users WHERE username = $1", username)
        .fetch_one(app.pool())
        .await
        .expect("user")
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar!("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(app.pool())
        .await
        .expect("audit")
}

async fn is_writer(app: &TestApp, id: i64) -> bool {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM user_groups ug JOIN groups g ON g.id = ug.group_id
                          WHERE ug.user_id = $1 AND g.name = 'writer') AS "w!""#,
        id
    )
    .fetch_one(app.pool())
    .await
    .expect("writer?")
}

struct World {
    app: TestApp,
    anonymous: Client,
    traveller: Client,
    writer: Client,
    staff: Client,
    target: i64,
    article: i64,
    comment: i64,
    traveller_group: i32,
}

async fn world() -> World {
    let app = TestApp::new(common::test_pool().await).await;
    let traveller = app.user("tara", None).await;
    let mut writer = app.user("will", Some("writer")).await;
    let staff = app.staff("sam").await;
    app.user("target", None).await;
    let slug = writer
        .publish("Night train to Lviv", "The carriage rocked.")
        .await;
    let article = common::article_id(app.pool(), &slug).await;
    let mut commenter = app.user("cora", None).await;
    let posted = commenter
        .call(
            "post_comment",
            &[("article_id", &article.to_string()), ("body", "Lovely!")],
        )
        .await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.body);
    let comment = sqlx::query_scalar!("SELECT id FROM comments WHERE article_id = $1", article)
        .fetch_one(app.pool())
        .await
        .expect("comment");
    let traveller_group = sqlx::query_scalar!("SELECT id FROM groups WHERE name = 'traveller'")
        .fetch_one(app.pool())
        .await
        .expect("group");
    let target = id_of(&app, "target").await;
    World {
        anonymous: app.client(),
        app,
        traveller,
        writer,
        staff,
        target,
        article,
        comment,
        traveller_group,
    }
}

#[tokio::test]
async fn admin_pages_are_for_staff_only() {
    let mut w = world().await;
    for page in [
        "/admin",
        "/admin/users",
        "/admin/groups",
        "/admin/articles",
        "/admin/comments",
        "/admin/audit",
    ] {
        let anonymous = w.anonymous.get(page).await;
        assert!(
            anonymous.status.is_redirection(),
            "{page}: {}",
            anonymous.status
        );
        assert!(location(&anonymous).starts_with("/login"), "{page}");
        for (who, client) in [("traveller", &mut w.traveller), ("writer", &mut w.writer)] {
            let refused = client.get(page).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{who} on {page}");
            assert!(
                !refused.body.contains("admin-table"),
                "{who} sees no admin data"
            );
        }
        let ok = w.staff.get(page).await;
        assert_eq!(ok.status, StatusCode::OK, "staff on {page}");
        assert!(ok.body.contains("Admin sections"));
    }
    // The server functions behind the pages refuse non-staff callers too.
    let refused = w
        .traveller
        .call("admin_users", &[("q", ""), ("page", "1")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = w.anonymous.call("admin_dashboard", &[]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    // Only staff see the Admin link.
    assert!(w.staff.get("/").await.body.contains("href=\"/admin\""));
    assert!(!w.writer.get("/").await.body.contains("href=\"/admin\""));
}

/// Every action, by every role: only staff change anything.
#[tokio::test]
async fn permission_matrix_for_every_admin_action() {
    let mut w = world().await;
    let actions: Vec<(String, String)> = vec![
        (format!("/admin/users/{}/promote", w.target), String::new()),
        (format!("/admin/users/{}/demote", w.target), String::new()),
        (
            format!("/admin/users/{}/deactivate", w.target),
            String::new(),
        ),
        (format!("/admin/users/{}/activate", w.target), String::new()),
        (
            format!("/admin/groups/{}/permissions", w.traveller_group),
            "permission=comment.create".to_owned(),
        ),
        (format!("/admin/comments/{}/hide", w.comment), String::new()),
        (format!("/admin/comments/{}/show", w.comment), String::new()),
        (
            format!("/admin/articles/{}/unpublish", w.article),
            String::new(),
        ),
        (
            format!("/admin/comments/{}/delete", w.comment),
            String::new(),
        ),
        (
            format!("/admin/articles/{}/delete", w.article),
            String::new(),
        ),
    ];
    for (path, body) in &actions {
        let anonymous = w.anonymous.form_post(path, body, "/admin").await;
        assert_eq!(
            location(&anonymous),
            "/login?next=/admin",
            "anonymous {path}"
        );
        for (who, client) in [("traveller", &mut w.traveller), ("writer", &mut w.writer)] {
            let refused = client.form_post(path, body, "/admin").await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{who} {path}");
        }
        assert!(
            audit_actions(&w.app).await.is_empty(),
            "nothing done before staff act"
        );
    }
    // Cross-site posts are refused before any check (CSRF), even for staff.
    let mut forged = axum::http::Request::post(&actions[0].0)
        .header("host", "127.0.0.1:3000")
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::empty())
        .expect("request");
    forged.headers_mut().remove("referer");
    assert_eq!(w.staff.send(forged).await.status, StatusCode::FORBIDDEN);
    assert!(!is_writer(&w.app, w.target).await);

    let mut expected = Vec::new();
    for (path, body) in &actions {
        let done = w
            .staff
            .form_post(path, body, "/admin/users?q=ta&page=1")
            .await;
        let to = location(&done);
        assert!(
            to.starts_with("/admin/users?q=ta&page=1&done="),
            "{path} → {to}"
        );
        let action = path.rsplit('/').next().expect("action");
        let kind = path.split('/').nth(2).expect("kind");
        let kind = match kind {
            "users" => "user",
            "groups" => "group",
            "articles" => "article",
            _ => "comment",
        };
        expected.push(format!("{kind}.{action}"));
    }
    // Each action left its audit row, in order; the group's save removed rating.create.
    assert_eq!(audit_actions(&w.app).await, expected);
    let detail =
        sqlx::query_scalar!("SELECT detail FROM audit_log WHERE action = 'group.permissions'")
            .fetch_one(w.app.pool())
            .await
            .expect("detail");
    assert_eq!(detail, "added: none; removed: rating.create");
    let articles = sqlx::query_scalar!("SELECT count(*) FROM articles")
        .fetch_one(w.app.pool())
        .await
        .expect("count");
    assert_eq!(articles, Some(0), "the story was deleted last");
    let audit_page = w.staff.get("/admin/audit").await;
    assert!(audit_page.body.contains("user.promote"));
    assert!(audit_page.body.contains("sam"));
}

#[tokio::test]
async fn promotion_lets_a_traveller_publish_and_emails_them() {
    let w = world().await;
    let mut staff = w.staff;
    let mut target = w.app.client();
    target.login("target", common::PASSWORD).await;
    let refused = target
        .save_article(None, "Too soon", "Body", "publish")
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "travellers can't publish"
    );

    let before = w.app.state.mail.stats().await.expect("queue").ready;
    let done = staff
        .form_post(
            &format!("/admin/users/{}/promote", w.target),
            "",
            "/admin/users",
        )
        .await;
    assert_eq!(location(&done), "/admin/users?done=promoted");
    assert!(is_writer(&w.app, w.target).await);
    let after = w.app.state.mail.stats().await.expect("queue").ready;
    assert_eq!(
        after,
        before + 1,
        "the promotion e-mail is queued, not sent in the request"
    );

    // Promoting twice changes nothing and writes no second audit row.
    let again = staff
        .form_post(
            &format!("/admin/users/{}/promote", w.target),
            "",
            "/admin/users",
        )
        .await;
    assert_eq!(location(&again), "/admin/users?done=unchanged");
    assert_eq!(audit_actions(&w.app).await, ["user.promote"]);

    // The promoted user sees Write and can publish.
    assert!(target
        .get("/")
        .await
        .body
        .contains("href=\"/articles/new\""));
    let slug = target
        .publish("First light in Kotor", "Morning over the bay.")
        .await;
    assert_eq!(
        target.get(&format!("/articles/{slug}")).await.status,
        StatusCode::OK
    );

    // Demoted again: no more publishing.
    staff
        .form_post(
            &format!("/admin/users/{}/demote", w.target),
            "",
            "/admin/users",
        )
        .await;
    let refused = target
        .save_article(None, "Another", "Body", "publish")
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn deactivation_ends_sessions_and_staff_cannot_lock_themselves_out() {
    let w = world().await;
    let mut staff = w.staff;
    let mut target = w.app.client();
    target.login("target", common::PASSWORD).await;
    assert_eq!(target.current_user().await["username"], "target");
    staff
        .form_post(
            &format!("/admin/users/{}/deactivate", w.target),
            "",
            "/admin/users",
        )
        .await;
    assert!(
        target.current_user().await.is_null(),
        "signed out at the next request"
    );
    let again = target.login("target", common::PASSWORD).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);

    let sam = id_of(&w.app, "sam").await;
    let own = staff
        .form_post(
            &format!("/admin/users/{sam}/deactivate"),
            "",
            "/admin/users",
        )
        .await;
    assert_eq!(location(&own), "/admin/users?done=self");
    assert_eq!(staff.current_user().await["username"], "sam");

    // Unknown users, groups, permissions and actions are clear errors, never a 500.
    let missing = staff
        .form_post("/admin/users/999999/promote", "", "/admin")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let bogus = staff
        .form_post(&format!("/admin/users/{sam}/explode"), "", "/admin")
        .await;
    assert_eq!(bogus.status, StatusCode::NOT_FOUND);
    let bad = staff
        .form_post(
            &format!("/admin/groups/{}/permissions", w.traveller_group),
            "permission=rule.world",
            "/admin/groups",
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad_page = staff.get("/admin/users?page=abc").await;
    assert_eq!(bad_page.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn group_permissions_edited_in_the_admin_apply_at_once() {
    let w = world().await;
    let mut staff = w.staff;
    let mut traveller = w.traveller;
    let article = w.article.to_string();
    // Travellers lose commenting.
    staff
        .form_post(
            &format!("/admin/groups/{}/permissions", w.traveller_group),
            "permission=rating.create",
            "/admin/groups",
        )
        .await;
    let refused = traveller
        .call("post_comment", &[("article_id", &article), ("body", "Hi")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // And get it back.
    staff
        .form_post(
            &format!("/admin/groups/{}/permissions", w.traveller_group),
            "permission=rating.create&permission=comment.create",
            "/admin/groups",
        )
        .await;
    let ok = traveller
        .call("post_comment", &[("article_id", &article), ("body", "Hi")])
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let page = staff.get("/admin/groups").await;
    assert!(page.body.contains("Save traveller permissions"));
}

#[tokio::test]
async fn moderation_hides_and_deletes_what_readers_see() {
    let w = world().await;
    let mut staff = w.staff;
    let slug = sqlx::query_scalar!("SELECT slug FROM articles WHERE id = $1", w.article)
        .fetch_one(w.app.pool())
        .await
        .expect("slug");
    let mut reader = w.app.client();
    assert!(reader
        .get(&format!("/articles/{slug}"))
        .await
        .body
        .contains("Lovely!"));
    staff
        .form_post(
            &format!("/admin/comments/{}/hide", w.comment),
            "",
            "/admin/comments",
        )
        .await;
    assert!(!reader
        .get(&format!("/articles/{slug}"))
        .await
        .body
        .contains("Lovely!"));
    let listed = staff.get("/admin/comments").await;
    assert!(listed.body.contains("(hidden)"));
    staff
        .form_post(
            &format!("/admin/articles/{}/unpublish", w.article),
            "",
            "/admin/articles",
        )
        .await;
    assert_eq!(
        reader.get(&format!("/articles/{slug}")).await.status,
        StatusCode::NOT_FOUND,
        "a draft again"
    );
    let dashboard = staff.get("/admin").await;
    assert!(dashboard.body.contains("Drafts"));
    assert!(dashboard.body.contains("article.unpublish"));
}

#[tokio::test]
async fn createsuperuser_makes_a_verified_staff_account() {
    let app = TestApp::new(common::test_pool().await).await;
    let hash = waypost::accounts::server::password::hash("a-long-superuser-password".to_owned())
        .await
        .expect("hash");
    let user = waypost::accounts::server::repo::create_superuser(
        app.pool(),
        "editor",
        "editor@example.com",
        hash,
    )
    .await
    .expect("created");
    assert!(user.is_staff && user.email_verified);
    let mut editor = app.client();
    let ok = editor.login("editor", "a-long-superuser-password").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(editor.get("/admin").await.status, StatusCode::OK);
    let taken = waypost::accounts::server::repo::create_superuser(
        app.pool(),
        "Editor",
        "other@example.com",
        "x".to_owned(),
    )
    .await;
    assert!(taken.is_err(), "usernames stay unique");
}
