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

/// The actions added for parity with Django's admin: refused to everyone but staff.
#[tokio::test]
async fn account_group_and_rating_actions_are_for_staff_only() {
    let mut w = world().await;
    let actions = [
        (
            format!("/admin/users/{}/edit", w.target),
            "display_name=X&username=hijack&email=x%40example.com".to_owned(),
        ),
        (
            format!("/admin/users/{}/groups", w.target),
            "group=writer".to_owned(),
        ),
        (
            format!("/admin/users/{}/grant_staff", w.target),
            String::new(),
        ),
        ("/admin/groups/new".to_owned(), "name=editors".to_owned()),
        (
            format!("/admin/groups/{}/rename", w.traveller_group),
            "name=readers".to_owned(),
        ),
        (
            format!("/admin/ratings/{}/{}/delete", w.article, w.target),
            String::new(),
        ),
    ];
    for (path, body) in &actions {
        let anonymous = w.anonymous.form_post(path, body, "/admin").await;
        assert_eq!(location(&anonymous), "/login?next=/admin", "{path}");
        for (who, client) in [("traveller", &mut w.traveller), ("writer", &mut w.writer)] {
            let refused = client.form_post(path, body, "/admin").await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{who} {path}");
        }
    }
    assert!(audit_actions(&w.app).await.is_empty());
    let page = w.traveller.get(&format!("/admin/users/{}", w.target)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = w.traveller.get("/admin/ratings").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn staff_edit_an_account_with_the_sign_up_rules() {
    let w = world().await;
    let mut staff = w.staff;
    let edit = format!("/admin/users/{}/edit", w.target);
    let page = format!("/admin/users/{}", w.target);

    // An address in use (in any case) and a malformed username: refused, nothing lost.
    let refused = staff
        .form_post(
            &edit,
            "display_name=Tess&username=bad+name&email=TARA%40example.com",
            &page,
        )
        .await;
    assert_eq!(location(&refused), page);
    let shown = staff.get(&page).await;
    assert!(shown.body.contains("Nothing was saved"), "{}", shown.body);
    assert!(shown
        .body
        .contains("Use only letters, digits, dots, dashes and underscores."));
    assert!(
        shown.body.contains("value=\"bad name\""),
        "typed values kept"
    );
    let in_use = staff
        .form_post(
            &edit,
            "display_name=Tess&username=tess&email=TARA%40example.com",
            &page,
        )
        .await;
    assert_eq!(location(&in_use), page);
    let shown = staff.get(&page).await;
    assert!(
        shown
            .body
            .contains("An account with this e-mail already exists."),
        "{}",
        shown.body
    );
    // Shown once: a reload shows the account as it is.
    assert!(!staff.get(&page).await.body.contains("Nothing was saved"));
    let taken = staff
        .form_post(
            &edit,
            "display_name=Tess&username=TARA&email=tess%40example.com",
            &page,
        )
        .await;
    assert_eq!(location(&taken), page);
    assert!(staff
        .get(&page)
        .await
        .body
        .contains("That username is taken."));
    let unchanged: (String, String) =
        sqlx::query_as("SELECT username, email FROM users WHERE id = $1")
            .bind(w.target)
            .fetch_one(w.app.pool())
            .await
            .unwrap();
    assert_eq!(unchanged, ("target".into(), "target@example.com".into()));

    let saved = staff
        .form_post(
            &edit,
            "display_name=+Tess+Target+&username=tess&email=tess%40example.com",
            &page,
        )
        .await;
    assert_eq!(location(&saved), format!("{page}?done=edited"));
    let row: (String, String, bool, String) = sqlx::query_as(
        "SELECT u.username, u.email, u.email_verified_at IS NOT NULL, p.display_name
         FROM users u JOIN profiles p ON p.user_id = u.id WHERE u.id = $1",
    )
    .bind(w.target)
    .fetch_one(w.app.pool())
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "tess".into(),
            "tess@example.com".into(),
            false,
            "Tess Target".into()
        ),
        "trimmed; the new address awaits confirmation"
    );
    let detail = sqlx::query_scalar!("SELECT detail FROM audit_log WHERE action = 'user.edit'")
        .fetch_one(w.app.pool())
        .await
        .unwrap();
    assert!(detail.contains("username target → tess"), "{detail}");
    assert!(detail.contains("tess@example.com"), "{detail}");
    let author = w.app.client().get("/authors/tess").await;
    assert_eq!(author.status, StatusCode::OK);
    assert!(author.body.contains("Tess Target"));
}

#[tokio::test]
async fn staff_status_is_granted_and_revoked_but_never_leaves_no_staff() {
    let w = world().await;
    let mut staff = w.staff;
    let sam = id_of(&w.app, "sam").await;
    let mut target = w.app.client();
    target.login("target", common::PASSWORD).await;
    assert_eq!(target.get("/admin").await.status, StatusCode::FORBIDDEN);

    // The only staff account can't remove its own staff status.
    let own = staff
        .form_post(
            &format!("/admin/users/{sam}/revoke_staff"),
            "",
            "/admin/users",
        )
        .await;
    assert_eq!(location(&own), "/admin/users?done=self");
    let page = staff.get("/admin/users?done=self").await;
    assert!(page.body.contains("You can't do that to your own account."));

    let granted = staff
        .form_post(
            &format!("/admin/users/{}/grant_staff", w.target),
            "",
            "/admin/users",
        )
        .await;
    assert_eq!(location(&granted), "/admin/users?done=staff_granted");
    assert_eq!(target.get("/admin").await.status, StatusCode::OK);
    let revoked = staff
        .form_post(
            &format!("/admin/users/{}/revoke_staff", w.target),
            "",
            "/admin/users",
        )
        .await;
    assert_eq!(location(&revoked), "/admin/users?done=staff_revoked");
    assert_eq!(
        target.get("/admin").await.status,
        StatusCode::FORBIDDEN,
        "at the next request"
    );
    let staff_left = sqlx::query_scalar!("SELECT count(*) FROM users WHERE is_staff AND is_active")
        .fetch_one(w.app.pool())
        .await
        .unwrap();
    assert_eq!(staff_left, Some(1));
    assert_eq!(
        audit_actions(&w.app).await,
        ["user.grant_staff", "user.revoke_staff"]
    );
}

#[tokio::test]
async fn groups_are_created_renamed_and_given_members() {
    let w = world().await;
    let mut staff = w.staff;
    let created = staff
        .form_post(
            "/admin/groups/new",
            "name=editors&description=Check+stories",
            "/admin/groups",
        )
        .await;
    assert_eq!(location(&created), "/admin/groups?done=group_created");
    let again = staff
        .form_post("/admin/groups/new", "name=editors", "/admin/groups")
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again
        .body
        .contains("There is already a group with that name."));
    let bad = staff
        .form_post("/admin/groups/new", "name=Editors%21", "/admin/groups")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("lowercase letters"), "{}", bad.body);

    let editors = sqlx::query_scalar!("SELECT id FROM groups WHERE name = 'editors'")
        .fetch_one(w.app.pool())
        .await
        .unwrap();
    let renamed = staff
        .form_post(
            &format!("/admin/groups/{editors}/rename"),
            "name=copy+editors&description=Check+every+story",
            "/admin/groups",
        )
        .await;
    assert_eq!(location(&renamed), "/admin/groups?done=group_renamed");
    let built_in = staff
        .form_post(
            &format!("/admin/groups/{}/rename", w.traveller_group),
            "name=readers&description=Everyone",
            "/admin/groups",
        )
        .await;
    assert_eq!(built_in.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(built_in.body.contains("built in"));
    let described = staff
        .form_post(
            &format!("/admin/groups/{}/rename", w.traveller_group),
            "name=traveller&description=Everyone+who+signs+up",
            "/admin/groups",
        )
        .await;
    assert_eq!(location(&described), "/admin/groups?done=group_renamed");

    // Membership from the account's page; joining writer lets them write.
    let member = staff
        .form_post(
            &format!("/admin/users/{}/groups", w.target),
            "group=traveller&group=copy+editors&group=writer",
            &format!("/admin/users/{}", w.target),
        )
        .await;
    assert_eq!(
        location(&member),
        format!("/admin/users/{}?done=groups", w.target)
    );
    assert!(is_writer(&w.app, w.target).await);
    let page = staff.get(&format!("/admin/users/{}", w.target)).await;
    let input = page
        .body
        .split("value=\"copy editors\"")
        .nth(1)
        .expect("the group's checkbox");
    assert!(
        input[..input.find('>').unwrap()].contains("checked"),
        "{}",
        page.body
    );
    let unknown = staff
        .form_post(
            &format!("/admin/users/{}/groups", w.target),
            "group=nonesuch",
            "/admin/users",
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        audit_actions(&w.app).await,
        [
            "group.create",
            "group.rename",
            "group.rename",
            "user.groups"
        ]
    );
}

#[tokio::test]
async fn staff_list_and_delete_ratings_with_exact_aggregates() {
    let w = world().await;
    let mut staff = w.staff;
    let mut traveller = w.traveller;
    let article = w.article.to_string();
    for (client, stars) in [(&mut traveller, "5")] {
        let rated = client
            .call(
                "rate_article",
                &[("article_id", &article), ("stars", stars)],
            )
            .await;
        assert_eq!(rated.status, StatusCode::OK, "{}", rated.body);
    }
    let mut cora = w.app.client();
    cora.login("cora", common::PASSWORD).await;
    cora.call("rate_article", &[("article_id", &article), ("stars", "2")])
        .await;
    let listed = staff.get("/admin/ratings?q=tara").await;
    assert!(listed.body.contains("1 rating"), "{}", listed.body);
    assert!(listed.body.contains("Night train to Lviv"));
    assert!(listed.body.contains("5 stars"));

    let tara = id_of(&w.app, "tara").await;
    let deleted = staff
        .form_post(
            &format!("/admin/ratings/{}/{tara}/delete", w.article),
            "",
            "/admin/ratings",
        )
        .await;
    assert_eq!(location(&deleted), "/admin/ratings?done=rating_deleted");
    let aggregate: (i64, i64) =
        sqlx::query_as("SELECT rating_sum, rating_count FROM articles WHERE id = $1")
            .bind(w.article)
            .fetch_one(w.app.pool())
            .await
            .unwrap();
    assert_eq!(aggregate, (2, 1), "only cora's 2 stars remain");
    let again = staff
        .form_post(
            &format!("/admin/ratings/{}/{tara}/delete", w.article),
            "",
            "/admin/ratings",
        )
        .await;
    assert_eq!(location(&again), "/admin/ratings?done=unchanged");
    let detail = sqlx::query_scalar!("SELECT detail FROM audit_log WHERE action = 'rating.delete'")
        .fetch_one(w.app.pool())
        .await
        .unwrap();
    assert_eq!(detail, "tara's 5 stars");
}
