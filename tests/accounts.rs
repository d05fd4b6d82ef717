//! Accounts end to end through the HTTP stack, against real PostgreSQL and Redis.

mod common;

use axum::http::StatusCode;
use axum_login::AuthzBackend;
use common::{TestApp, PASSWORD};
use waypost::accounts::server::{repo, Backend};

#[tokio::test]
async fn signup_creates_user_profile_and_traveller_membership() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut client = app.client();
    let response = client.signup_form("ana", "Ana@Example.com").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.header("location"), Some("/signup/check-email"));
    assert!(
        client.current_user().await.is_null(),
        "only the e-mailed link signs the new account in"
    );
    let page = client.get("/signup/check-email").await;
    assert!(page.body.contains("Check your inbox"));
    assert_eq!(client.login("ana", PASSWORD).await.status, StatusCode::OK);

    let row = sqlx::query!(
        r#"SELECT u.email, u.password_hash, p.display_name,
                  array(SELECT g.name FROM user_groups ug JOIN groups g ON g.id = ug.group_id
                        WHERE ug.user_id = u.id) AS "groups!"
           FROM users u JOIN profiles p ON p.user_id = u.id WHERE u.username = 'ana'"#
    )
    .fetch_one(&pool)
    .await
    .expect("user with profile");
    assert_eq!(row.email, "Ana@Example.com");
    assert!(row.password_hash.unwrap().starts_with("$argon2id$"));
    assert_eq!(row.groups, vec!["traveller".to_owned()]);

    let me = client.current_user().await;
    assert_eq!(me["username"], "ana");
    assert!(me["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == "comment.create"));
}

#[tokio::test]
async fn signup_is_all_or_nothing() {
    let pool = common::test_pool().await;
    // Without the traveller group the membership insert fails: user and profile must roll back.
    sqlx::query!("DELETE FROM groups WHERE name = 'traveller'")
        .execute(&pool)
        .await
        .unwrap();
    let app = TestApp::new(pool.clone()).await;
    let response = app.client().signup("ana", "ana@example.com").await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    let users = sqlx::query_scalar!("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    let profiles = sqlx::query_scalar!("SELECT count(*) FROM profiles")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((users, profiles), (Some(0), Some(0)));
}

/// A taken address (in any case) answers exactly like a free one and makes no account; a
/// taken username is an error (usernames are public), checked first.
#[tokio::test]
async fn a_taken_address_answers_like_a_free_one() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let fresh = app.client().signup_form("ana", "ana@example.com").await;
    let taken = app.client().signup_form("ana2", "ANA@EXAMPLE.COM").await;
    for response in [&fresh, &taken] {
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        assert_eq!(response.header("location"), Some("/signup/check-email"));
        assert!(
            response.header("set-cookie").is_some(),
            "both start a session"
        );
    }
    assert_eq!(fresh.body, taken.body);
    let response = app.client().signup_form("ANA", "ana@example.com").await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert!(response.body.contains("username is taken"));
    let response = app.client().signup_form("ANA", "other@example.com").await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert!(
        response.body.contains("username is taken"),
        "{}",
        response.body
    );
    let users = sqlx::query_scalar!("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, Some(1));
}

#[tokio::test]
async fn bad_signup_input_gets_field_messages_not_500() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut client = app.client();
    let response = client
        .call(
            "signup",
            &[
                ("username", "a b"),
                ("email", "not-an-email"),
                ("password", "short"),
                ("password_confirm", "different"),
            ],
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        response.body
    );
    for expected in [
        "Use only letters",
        "valid e-mail",
        "at least 10",
        "don't match",
    ] {
        assert!(
            response.body.contains(expected),
            "missing {expected:?} in {}",
            response.body
        );
    }
    let response = client.call("signup", &[("username", "ana")]).await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.body
    );
    let response = client
        .call(
            "signup",
            &[
                ("username", "ana"),
                ("email", "ana@example.com"),
                ("password", "password123"),
                ("password_confirm", "password123"),
            ],
        )
        .await;
    assert!(response.body.contains("too common"), "{}", response.body);
    let users = sqlx::query_scalar!("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, Some(0));
}

#[tokio::test]
async fn login_logout_and_session_rotation() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let mut client = app.client();
    client.signup("ana", "ana@example.com").await;
    let signup_cookie = client.cookie.clone().expect("session after sign-up");

    let response = client.call("logout", &[]).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(client.current_user().await.is_null());
    assert!(client.cookie.is_none(), "logout removes the session cookie");

    let response = client.login("ANA@example.com", PASSWORD).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let login_cookie = client.cookie.clone().expect("session after login");
    assert_ne!(signup_cookie, login_cookie, "a new session id at login");
    assert_eq!(client.current_user().await["username"], "ana");

    // The old session id is dead.
    let mut stale = app.client();
    stale.cookie = Some(signup_cookie);
    assert!(stale.current_user().await.is_null());

    // Usernames work too.
    let mut other = app.client();
    assert_eq!(other.login("ana", PASSWORD).await.status, StatusCode::OK);
}

/// A session lives 14 days from the reader's last visit, not from their sign-in: the first
/// request of a day renews it (cookie and stored expiry), later ones that day cost nothing.
#[tokio::test]
async fn sessions_are_renewed_once_a_day_while_used() {
    use fred::prelude::*;
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let mut client = app.client();
    client.signup("ana", "ana@example.com").await;
    let cookie = client.cookie.clone().expect("signed in");

    let first = client.get("/account").await;
    assert_eq!(first.status, StatusCode::OK);
    let renewal = first
        .header("set-cookie")
        .expect("the day's first request renews");
    assert!(renewal.contains("Max-Age=1209600"), "{renewal}");
    assert_eq!(
        client.cookie.as_deref(),
        Some(cookie.as_str()),
        "the same session"
    );
    let id = cookie.split_once('=').map(|(_, id)| id).expect("id");
    let ttl: i64 = app.state.redis.ttl(id).await.expect("redis");
    assert!(ttl > 13 * 86_400, "stored for 14 more days: {ttl}");

    let second = client.get("/account").await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(
        second.header("set-cookie").is_none(),
        "renewed once a day, not on every request"
    );
}

#[tokio::test]
async fn wrong_password_is_a_clear_422() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    app.client().signup("ana", "ana@example.com").await;
    let mut client = app.client();
    let response = client.login("ana@example.com", "not-the-password").await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.body.contains("don't match"), "{}", response.body);
    assert!(client.cookie.is_none());
    // An unknown account gets the very same answer (no account enumeration).
    let unknown = app
        .client()
        .login("nobody@example.com", "not-the-password")
        .await;
    assert_eq!(unknown.status, response.status);
    assert_eq!(unknown.body, response.body);
}

#[tokio::test]
async fn login_rate_limit_per_account() {
    let pool = common::test_pool().await;
    let app = TestApp::with_vars(pool, &[("LOGIN_ATTEMPTS_PER_ACCOUNT", "3")]).await;
    app.client().signup("ana", "ana@example.com").await;
    for _ in 0..3 {
        let response = app
            .client()
            .login("ana@example.com", "wrong-password-1")
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Even the right password is refused while the account is locked.
    let mut client = app.client();
    let response = client.login("ana@example.com", PASSWORD).await;
    assert_eq!(
        response.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        response.body
    );
    assert!(
        response.json()["RateLimited"]["retry_after_secs"]
            .as_u64()
            .unwrap()
            > 0
    );
    let retry_after: u64 = response
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!(retry_after > 0 && retry_after <= 900);
    assert!(client.cookie.is_none());
}

#[tokio::test]
async fn a_username_and_its_e_mail_share_one_login_counter() {
    let pool = common::test_pool().await;
    let app = TestApp::with_vars(pool, &[("LOGIN_ATTEMPTS_PER_ACCOUNT", "3")]).await;
    app.client().signup("ana", "ana@example.com").await;
    for name in ["ana", "ana@example.com", "ANA"] {
        let response = app.client().login(name, "wrong-password-1").await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
    }
    // Three failures in all, whatever was typed: both names are now paused.
    for name in ["ana", "ana@example.com"] {
        let response = app.client().login(name, "wrong-password-1").await;
        assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS, "{name}");
    }
}

#[tokio::test]
async fn login_rate_limit_per_ip() {
    let pool = common::test_pool().await;
    let app = TestApp::with_vars(pool, &[("LOGIN_ATTEMPTS_PER_IP", "2")]).await;
    let mut attacker = app.client();
    attacker.ip = [10, 9, 8, 7];
    for n in 0..2 {
        let response = attacker
            .login(&format!("victim{n}@example.com"), "guess-guess-guess")
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let response = attacker
        .login("victim9@example.com", "guess-guess-guess")
        .await;
    assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
    // Another address is unaffected.
    let response = app
        .client()
        .login("victim9@example.com", "guess-guess-guess")
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn permissions_follow_groups() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    app.client().signup("tom", "tom@example.com").await;
    app.client().signup("wendy", "wendy@example.com").await;
    app.client().signup("sam", "sam@example.com").await;
    let find = |name: &'static str| {
        let pool = pool.clone();
        async move { repo::find_by_login(&pool, name).await.unwrap().unwrap() }
    };
    let wendy = find("wendy").await;
    assert!(repo::add_to_group(&pool, wendy.id, "writer").await.unwrap());
    sqlx::query!("UPDATE users SET is_staff = TRUE WHERE username = 'sam'")
        .execute(&pool)
        .await
        .unwrap();
    let (tom, wendy, sam) = (find("tom").await, find("wendy").await, find("sam").await);

    let backend = Backend::new(pool.clone());
    for (user, permission, expected) in [
        (&tom, "comment.create", true),
        (&tom, "rating.create", true),
        (&tom, "article.create", false),
        (&tom, "article.publish", false),
        (&wendy, "article.create", true),
        (&wendy, "article.publish", true),
        (&wendy, "user.promote", false),
        (&sam, "user.promote", true),
        (&sam, "article.publish", true),
    ] {
        let permission = waypost::accounts::Permission::from_codename(permission).expect("known");
        let has = backend.has_perm(user, permission).await.unwrap();
        assert_eq!(has, expected, "{} / {permission:?}", user.username);
    }
}

#[tokio::test]
async fn password_change_ends_other_sessions() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let mut laptop = app.client();
    laptop.signup("ana", "ana@example.com").await;
    let mut phone = app.client();
    phone.login("ana", PASSWORD).await;
    assert_eq!(phone.current_user().await["username"], "ana");

    let wrong = laptop
        .call(
            "change_password",
            &[
                ("current_password", "nope-nope-nope"),
                ("new_password", "x"),
                ("new_password_confirm", "x"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("not your current password"));

    let new_password = "new-compass-bearing-42";
    let response = laptop
        .call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new_password),
                ("new_password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        laptop.current_user().await["username"],
        "ana",
        "this session survives"
    );
    assert!(
        phone.current_user().await.is_null(),
        "the other session ended"
    );
    assert_eq!(
        app.client().login("ana", new_password).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn profile_edit_and_public_page() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let mut client = app.client();
    client.signup("ana", "ana@example.com").await;

    let bad = client
        .call(
            "update_profile",
            &[
                ("display_name", "Ana"),
                ("bio", ""),
                ("x_handle", "not valid!"),
                ("website", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("X handle") && bad.body.contains("web address"),
        "{}",
        bad.body
    );

    let ok = client
        .call(
            "update_profile",
            &[
                ("display_name", "Ana Lima"),
                ("bio", "Slow travel <b>across</b> the Andes."),
                ("x_handle", "@ana_travels"),
                ("website", "ana.example.com"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);

    let page = app.client().get("/authors/ana").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Ana Lima"));
    assert!(page.body.contains("https://x.com/ana_travels"));
    assert!(page.body.contains("https://ana.example.com"));
    assert!(
        page.body.contains("Slow travel &lt;b&gt;across&lt;/b&gt;"),
        "bio is escaped"
    );

    let anonymous = app
        .client()
        .call(
            "update_profile",
            &[
                ("display_name", "x"),
                ("bio", ""),
                ("x_handle", ""),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_login_flood_hashes_at_most_the_limit_and_spares_the_owner() {
    let pool = common::test_pool().await;
    let app = TestApp::with_vars(pool, &[("LOGIN_ATTEMPTS_PER_ACCOUNT", "5")]).await;
    app.client().signup("ana", "ana@example.com").await;
    let before = waypost::accounts::server::password::hashings_started();
    // 50 wrong guesses at once from one address, by e-mail and by username alike.
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..50 {
        let mut attacker = app.client();
        attacker.ip = [10, 9, 8, 7];
        let login = if n % 2 == 0 { "ana@example.com" } else { "ANA" };
        guesses.spawn(async move { attacker.login(login, "wrong-password-guess").await.status });
    }
    let statuses: Vec<StatusCode> = guesses.join_all().await;
    let hashed = waypost::accounts::server::password::hashings_started() - before;
    assert!(hashed <= 5, "{hashed} guesses reached the password check");
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS));
    // The owner, from their own address, is not locked out.
    let mut owner = app.client();
    let response = owner.login("ana", PASSWORD).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

#[tokio::test]
async fn a_distributed_flood_pauses_the_account_until_a_reset() {
    let pool = common::test_pool().await;
    // Per address 1; per account from everywhere 20 (twenty times that).
    let app = TestApp::with_vars(pool, &[("LOGIN_ATTEMPTS_PER_ACCOUNT", "1")]).await;
    app.client().signup("ana", "ana@example.com").await;
    for n in 0..20u8 {
        let mut attacker = app.client();
        attacker.ip = [10, 0, 1, n];
        attacker.login("ana", "wrong-password-guess").await;
    }
    let response = app.client().login("ana", PASSWORD).await;
    assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
    // The documented way back in: a password reset clears the account's counter.
    let id = sqlx::query_scalar!("SELECT id FROM users WHERE username = 'ana'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let link = waypost::accounts::server::tokens::issue(
        app.pool(),
        id,
        waypost::accounts::server::tokens::Purpose::ResetPassword,
        None,
    )
    .await
    .unwrap();
    let new_password = "a-brand-new-passphrase";
    let reset = app
        .client()
        .call(
            "reset_password",
            &[
                ("token", &link),
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    let response = app.client().login("ana", new_password).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}
