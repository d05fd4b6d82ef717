//! Social sign-in against a real local OAuth 2.0 / OpenID Connect provider: the full
//! authorization-code + PKCE round trip, state checks, account creation, the linking rules
//! and unlinking.

mod common;

use axum::http::StatusCode;
use common::oauth_provider::{authorize, location, LocalProvider};
use common::TestApp;
use serde_json::json;

async fn app_with(provider: &LocalProvider) -> TestApp {
    let vars = provider.vars();
    let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TestApp::with_vars(common::test_pool().await, &refs).await
}

async fn social_rows(app: &TestApp, user_id: i64) -> Vec<String> {
    sqlx::query_scalar!(
        "SELECT provider FROM social_accounts WHERE user_id = $1 ORDER BY provider",
        user_id
    )
    .fetch_all(app.pool())
    .await
    .expect("rows")
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    sqlx::query_scalar!("SELECT id FROM users WHERE username = $1", username)
        .fetch_one(app.pool())
        .await
        .expect("user")
}

#[tokio::test]
async fn google_sign_in_creates_a_traveller_and_signs_them_in_again() {
    let provider = LocalProvider::start();
    let app = app_with(&provider).await;
    provider
        .set_identity(
            "google",
            json!({"sub": "g-100", "email": "ana.ruiz@example.com", "email_verified": true, "name": "Ana Ruiz"}),
        )
        .await;

    let mut browser = app.client();
    let done = browser.social_login("google").await;
    assert_eq!(location(&done), "/account?welcome=1");
    let me = browser.current_user().await;
    assert_eq!(me["username"], "ana.ruiz", "from the e-mail's local part");
    assert_eq!(me["display_name"], "Ana Ruiz");
    let permissions = me["permissions"].as_array().expect("permissions");
    assert!(permissions.iter().any(|p| p == "comment.create"));
    assert!(
        !permissions.iter().any(|p| p == "article.create"),
        "a traveller"
    );

    let id = user_id(&app, "ana.ruiz").await;
    assert_eq!(social_rows(&app, id).await, ["google"]);
    let row = sqlx::query!(
        "SELECT password_hash IS NULL AS \"no_password!\", email_verified_at IS NOT NULL AS \"verified!\" FROM users WHERE id = $1",
        id
    )
    .fetch_one(app.pool())
    .await
    .expect("user row");
    assert!(
        row.no_password && row.verified,
        "Google vouched for the address"
    );
    let profile = sqlx::query_scalar!("SELECT count(*) FROM profiles WHERE user_id = $1", id)
        .fetch_one(app.pool())
        .await
        .expect("profile");
    assert_eq!(profile, Some(1));

    // The provider saw a PKCE S256 challenge and the OpenID scopes.
    let seen = provider.authorizations("google").await;
    assert_eq!(seen[0]["method"], "S256");
    assert!(seen[0]["scope"]
        .as_str()
        .is_some_and(|s| s.contains("openid") && s.contains("email")));

    // Later, in another browser: the same identity signs the same user in, to `next`.
    let mut other = app.client();
    let again = other.social_login("google").await;
    assert_eq!(location(&again), "/writers");
    assert_eq!(other.current_user().await["username"], "ana.ruiz");
    let users = sqlx::query_scalar!("SELECT count(*) FROM users")
        .fetch_one(app.pool())
        .await
        .expect("count");
    assert_eq!(users, Some(1), "no second account");
}

#[tokio::test]
async fn a_forged_or_replayed_state_is_rejected() {
    let provider = LocalProvider::start();
    let app = app_with(&provider).await;
    let mut browser = app.client();

    // Forged: the state in the callback isn't the one this session started with.
    let start = browser.get("/auth/google/start").await;
    let callback = authorize(&start).await;
    let forged = callback.replace("state=", "state=forged");
    let refused = browser.get(&forged).await;
    assert_eq!(location(&refused), "/login?social=expired");
    assert!(browser.current_user().await.is_null(), "not signed in");

    // A callback without a started flow (another browser's link) is refused too.
    let start = browser.get("/auth/google/start").await;
    let callback = authorize(&start).await;
    let mut stranger = app.client();
    let refused = stranger.get(&callback).await;
    assert_eq!(location(&refused), "/login?social=expired");
    assert!(stranger.current_user().await.is_null());

    // Replayed: the first use signs in, the second finds nothing to match.
    let ok = browser.get(&callback).await;
    assert_eq!(location(&ok), "/account?welcome=1");
    let replay = browser.get(&callback).await;
    assert_eq!(location(&replay), "/login?social=expired");

    // A state for one provider doesn't answer another's callback.
    let start = browser.get("/auth/google/start").await;
    let callback = authorize(&start).await;
    let crossed = callback.replace("/auth/google/", "/auth/x/");
    assert_eq!(
        location(&browser.get(&crossed).await),
        "/login?social=expired"
    );
}

#[tokio::test]
async fn an_existing_account_is_linked_only_after_its_password_login() {
    let provider = LocalProvider::start();
    let app = app_with(&provider).await;
    let mut owner = app.client();
    assert_eq!(
        owner.signup("bea", "bea@example.com").await.status,
        StatusCode::OK
    );
    let bea = user_id(&app, "bea").await;

    // Someone signs in with a Google account claiming bea's (verified) address.
    provider
        .set_identity(
            "google",
            json!({"sub": "g-bea", "email": "Bea@Example.com", "email_verified": true, "name": "Bea"}),
        )
        .await;
    let mut browser = app.client();
    let asked = browser.social_login("google").await;
    assert_eq!(
        location(&asked),
        "/login?next=%2Fwriters&social=link_required"
    );
    assert!(
        browser.current_user().await.is_null(),
        "not signed in as bea"
    );
    assert!(
        social_rows(&app, bea).await.is_empty(),
        "nothing linked yet"
    );
    let page = browser.get("/login?social=link_required").await;
    assert!(page.body.contains("Log in with its password once to link"));

    // A wrong password links nothing.
    let wrong = browser.login("bea", "not-the-password-at-all").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(social_rows(&app, bea).await.is_empty());

    // Proving ownership with the password links the Google account.
    let ok = browser.login("bea", common::PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(social_rows(&app, bea).await, ["google"]);
    let mut later = app.client();
    let signed_in = later.social_login("google").await;
    assert_eq!(location(&signed_in), "/writers");
    assert_eq!(later.current_user().await["username"], "bea");

    // An unverified Google address is never used to match accounts: a new account is
    // not made with it either; the person is asked for an address.
    provider
        .set_identity(
            "google",
            json!({"sub": "g-other", "email": "bea@example.com", "email_verified": false, "name": "Not Bea"}),
        )
        .await;
    let mut impostor = app.client();
    let asked = impostor.social_login("google").await;
    assert_eq!(location(&asked), "/auth/complete");
    let taken = impostor
        .call(
            "complete_social_signup",
            &[("email", "bea@example.com"), ("username", "notbea")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
    assert!(taken.body.contains("Log in with its password"));
    assert!(impostor.current_user().await.is_null());
}

#[tokio::test]
async fn x_gives_no_email_so_the_new_user_is_asked_for_one() {
    let provider = LocalProvider::start();
    let app = app_with(&provider).await;
    provider
        .set_identity(
            "x",
            json!({"id": "2244994945", "username": "cato_walks", "name": "Cato"}),
        )
        .await;
    let mut browser = app.client();
    let asked = browser.social_login("x").await;
    assert_eq!(location(&asked), "/auth/complete");
    assert_eq!(
        provider.authorizations("x").await[0]["scope"],
        "users.read tweet.read"
    );

    let page = browser.get("/auth/complete").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("You signed in with X as Cato"));
    assert!(
        page.body.contains("value=\"cato_walks\""),
        "username suggested"
    );

    let bad = browser
        .call(
            "complete_social_signup",
            &[("email", "not-an-address"), ("username", "cato_walks")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("valid e-mail"));

    let done = browser
        .call(
            "complete_social_signup",
            &[("email", "cato@example.com"), ("username", "cato_walks")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let me = browser.current_user().await;
    assert_eq!(me["username"], "cato_walks");
    let id = user_id(&app, "cato_walks").await;
    assert_eq!(social_rows(&app, id).await, ["x"]);
    let verified = sqlx::query_scalar!(
        "SELECT email_verified_at IS NOT NULL AS \"v!\" FROM users WHERE id = $1",
        id
    )
    .fetch_one(app.pool())
    .await
    .expect("user");
    assert!(
        !verified,
        "the address is the person's word until confirmed"
    );
    let queued = app.state.mail.stats().await.expect("queue");
    assert!(queued.ready >= 1, "a confirmation e-mail is queued");

    // The page has nothing to finish any more.
    let after = browser.get("/auth/complete").await;
    assert!(after.body.contains("no sign-up waiting"));
}

#[tokio::test]
async fn linking_and_unlinking_from_the_account_page() {
    let provider = LocalProvider::start();
    let app = app_with(&provider).await;
    let mut dana = app.user("dana", None).await;
    let dana_id = user_id(&app, "dana").await;

    provider
        .set_identity(
            "x",
            json!({"id": "x-dana", "username": "dana_x", "name": "Dana"}),
        )
        .await;
    let start = dana.form_post("/auth/x/link", "", "/account").await;
    let callback = authorize(&start).await;
    let linked = dana.get(&callback).await;
    assert_eq!(location(&linked), "/account?social=linked");
    assert_eq!(social_rows(&app, dana_id).await, ["x"]);
    let account = dana.get("/account?social=linked").await;
    assert!(
        account.body.contains("linked as Dana"),
        "listed on the account page"
    );
    assert!(account.body.contains("Unlink X"));

    // The same X account can't be linked to a second Waypost account.
    let mut eli = app.user("eli", None).await;
    let start = eli.form_post("/auth/x/link", "", "/account").await;
    let callback = authorize(&start).await;
    assert_eq!(location(&eli.get(&callback).await), "/account?social=taken");
    assert!(social_rows(&app, user_id(&app, "eli").await)
        .await
        .is_empty());

    // Dana has a password too, so X may go.
    let unlinked = dana.form_post("/auth/x/unlink", "", "/account").await;
    assert_eq!(location(&unlinked), "/account?social=unlinked");
    assert!(social_rows(&app, dana_id).await.is_empty());

    // Anonymous link/unlink requests are sent to log in; nothing changes.
    let mut anonymous = app.client();
    let refused = anonymous.form_post("/auth/x/unlink", "", "/account").await;
    assert_eq!(location(&refused), "/login?next=/account");
}

#[tokio::test]
async fn the_last_way_to_sign_in_cannot_be_unlinked() {
    let provider = LocalProvider::start();
    let app = app_with(&provider).await;
    provider
        .set_identity(
            "google",
            json!({"sub": "g-fay", "email": "fay@example.com", "email_verified": true, "name": "Fay"}),
        )
        .await;
    let mut fay = app.client();
    fay.social_login("google").await;
    let id = user_id(&app, "fay").await;

    let refused = fay.form_post("/auth/google/unlink", "", "/account").await;
    assert_eq!(location(&refused), "/account?social=last_method");
    assert_eq!(social_rows(&app, id).await, ["google"], "still linked");

    // With a second provider linked, one of them may go.
    provider
        .set_identity(
            "x",
            json!({"id": "x-fay", "username": "fay_x", "name": "Fay"}),
        )
        .await;
    let start = fay.form_post("/auth/x/link", "", "/account").await;
    let callback = authorize(&start).await;
    fay.get(&callback).await;
    assert_eq!(social_rows(&app, id).await, ["google", "x"]);
    let ok = fay.form_post("/auth/google/unlink", "", "/account").await;
    assert_eq!(location(&ok), "/account?social=unlinked");
    let refused = fay.form_post("/auth/x/unlink", "", "/account").await;
    assert_eq!(location(&refused), "/account?social=last_method");
    assert_eq!(social_rows(&app, id).await, ["x"]);
}

#[tokio::test]
async fn deactivated_accounts_and_unconfigured_providers() {
    let provider = LocalProvider::start();
    let app = app_with(&provider).await;
    provider
        .set_identity(
            "google",
            json!({"sub": "g-gus", "email": "gus@example.com", "email_verified": true, "name": "Gus"}),
        )
        .await;
    app.client().social_login("google").await;
    sqlx::query!("UPDATE users SET is_active = FALSE WHERE username = 'gus'")
        .execute(app.pool())
        .await
        .expect("deactivate");
    let mut gus = app.client();
    assert_eq!(
        location(&gus.social_login("google").await),
        "/login?social=inactive"
    );
    assert!(gus.current_user().await.is_null());

    // The login page offers the configured providers...
    let login = app.client().get("/login").await;
    assert!(login.body.contains("Continue with Google"));
    assert!(login.body.contains("Continue with X"));
    // ...and a site without credentials offers none and refuses to start.
    let plain = TestApp::new(common::test_pool().await).await;
    let login = plain.client().get("/login").await;
    assert!(!login.body.contains("Continue with"));
    let start = plain.client().get("/auth/google/start").await;
    assert_eq!(location(&start), "/login?social=not_configured");
    let unknown = plain.client().get("/auth/myspace/start").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_denied_authorization_changes_nothing() {
    let provider = LocalProvider::start();
    let app = app_with(&provider).await;
    let mut browser = app.client();
    let start = browser.get("/auth/google/start").await;
    let callback = authorize(&start).await;
    let state = callback
        .split('&')
        .chain(callback.split('?'))
        .find_map(|p| p.strip_prefix("state="))
        .expect("state")
        .to_owned();
    let denied = browser
        .get(&format!(
            "/auth/google/callback?error=access_denied&state={state}"
        ))
        .await;
    assert_eq!(location(&denied), "/login?social=cancelled");
    let users = sqlx::query_scalar!("SELECT count(*) FROM users")
        .fetch_one(app.pool())
        .await
        .expect("count");
    assert_eq!(users, Some(0));
}

/// Someone starts signing up with X on a shared computer and walks away; the next person
/// logs in with a password. The abandoned X identity must not be attached to them.
#[tokio::test]
async fn an_abandoned_identity_is_never_attached_to_the_next_login() {
    let provider = LocalProvider::start();
    let app = app_with(&provider).await;
    app.user("hana", None).await;
    let hana = user_id(&app, "hana").await;
    provider
        .set_identity(
            "x",
            json!({"id": "x-attacker", "username": "mallory", "name": "Mallory"}),
        )
        .await;
    let mut shared = app.client();
    assert_eq!(location(&shared.social_login("x").await), "/auth/complete");
    let ok = shared.login("hana", common::PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(
        social_rows(&app, hana).await.is_empty(),
        "nothing linked to hana"
    );
    assert!(
        shared
            .get("/auth/complete")
            .await
            .body
            .contains("no sign-up waiting"),
        "the waiting identity is gone"
    );

    // Likewise a Google identity whose verified address is someone else's.
    provider
        .set_identity(
            "google",
            json!({"sub": "g-ivy", "email": "ivy@example.com", "email_verified": true, "name": "Ivy"}),
        )
        .await;
    app.user("ivy", None).await;
    let mut other = app.client();
    assert!(location(&other.social_login("google").await).contains("social=link_required"));
    other.login("hana", common::PASSWORD).await;
    assert!(
        social_rows(&app, hana).await.is_empty(),
        "ivy's Google is not hana's"
    );
}

/// A squatter signs up with X and types someone else's address (unconfirmed). When the real
/// owner of the address resets the password, the squatter's X link goes.
#[tokio::test]
async fn a_password_reset_on_an_unconfirmed_address_drops_its_social_links() {
    let provider = LocalProvider::start();
    let app = app_with(&provider).await;
    provider
        .set_identity(
            "x",
            json!({"id": "x-squatter", "username": "squatter", "name": "Sq"}),
        )
        .await;
    let mut squatter = app.client();
    squatter.social_login("x").await;
    let done = squatter
        .call(
            "complete_social_signup",
            &[("email", "jo@example.com"), ("username", "squatter")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let id = user_id(&app, "squatter").await;
    assert_eq!(social_rows(&app, id).await, ["x"]);

    // The owner of jo@example.com resets the password with the link from her mailbox.
    let token = waypost::accounts::server::tokens::issue(
        app.pool(),
        id,
        waypost::accounts::server::tokens::Purpose::ResetPassword,
        None,
    )
    .await
    .expect("token");
    let mut jo = app.client();
    let reset = jo
        .call(
            "reset_password",
            &[
                ("token", &token),
                ("password", "orchard-lantern-river-7"),
                ("password_confirm", "orchard-lantern-river-7"),
            ],
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert!(
        social_rows(&app, id).await.is_empty(),
        "the squatter's X link is gone"
    );
    let mut later = app.client();
    assert_eq!(
        location(&later.social_login("x").await),
        "/auth/complete",
        "X no longer signs in"
    );
}

#[tokio::test]
async fn the_csp_lets_link_forms_reach_the_providers() {
    let provider = LocalProvider::start();
    let app = app_with(&provider).await;
    let mut kim = app.user("kim", None).await;
    let page = kim.get("/account").await;
    let csp = page.header("content-security-policy").expect("csp");
    let form_action = csp
        .split(';')
        .find(|d| d.trim().starts_with("form-action"))
        .expect("form-action");
    assert!(form_action.contains(&format!("http://127.0.0.1:{}", provider.google_port)));
    assert!(form_action.contains(&format!("http://127.0.0.1:{}", provider.x_port)));
}
