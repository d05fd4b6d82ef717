//! Subscriptions by e-mail, end to end on the real PostgreSQL and Redis, with the mail
//! workers sending into a local SMTP sink: double opt-in, one-click unsubscribe (RFC 8058),
//! first publication → one e-mail per subscriber, a fan-out that survives a worker kill, and
//! the weekly digest with two instances' workers running.

mod common;

use axum::http::{header, Request, StatusCode};
use common::smtp::SmtpSink;
use common::wait_for;
use common::{form, test_pool, Client, TestApp};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use waypost::config::DigestSchedule;
use waypost::mail::worker::{spawn_worker, WorkerPool, WorkerSettings};
use waypost::mail::Mailer;
use waypost::subscriptions::server::Deliveries;

const SITE: &str = "http://127.0.0.1:3000";

async fn app(sink: &SmtpSink, extra: &[(&str, &str)]) -> TestApp {
    let mut vars: Vec<(&str, String)> = sink.vars();
    vars.push(("MAIL_VISIBILITY_TIMEOUT_SECS", "2".to_owned()));
    for (k, v) in extra {
        vars.push((k, (*v).to_owned()));
    }
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::with_vars(test_pool().await, &vars).await
}

fn deliveries(app: &TestApp, weekday: time::Weekday) -> Deliveries {
    Deliveries::new(
        app.pool().clone(),
        SITE,
        DigestSchedule { weekday, hour: 0 },
    )
}

fn settings(app: &TestApp) -> WorkerSettings {
    let today = time::OffsetDateTime::now_utc().weekday();
    WorkerSettings::from(&app.state.config.mail).with_tasks(Arc::new(deliveries(app, today)))
}

/// A pool like `waypost serve` or `waypost worker` starts: senders that also run mailings.
fn workers(app: &TestApp, tasks: usize) -> WorkerPool {
    let mailer = Mailer::from_config(&app.state.config.mail, tasks).expect("mailer");
    WorkerPool::start(
        app.state.mail.clone(),
        Arc::new(mailer),
        settings(app),
        tasks,
    )
}

/// Messages per recipient whose subject is `subject` (or any when empty).
fn copies(sink: &SmtpSink, subject: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for message in sink.messages() {
        let matches = subject.is_empty()
            || message
                .header("Subject")
                .is_some_and(|s| s.contains(subject));
        if matches {
            *counts.entry(message.to[0].clone()).or_default() += 1;
        }
    }
    counts
}

async fn writer(app: &TestApp, username: &str) -> Client {
    app.user(username, Some("writer")).await
}

async fn verify(app: &TestApp, username: &str) {
    sqlx::query("UPDATE users SET email_verified_at = now() WHERE username = $1")
        .bind(username)
        .execute(app.pool())
        .await
        .unwrap();
}

async fn post(client: &mut Client, path: &str, body: &str) -> common::TestResponse {
    client.send(form(path, body)).await
}

/// Subscribers straight into the database: `count` addresses `reader<n>@example.com`,
/// confirmed, to the whole blog (`author` None) or a writer.
async fn seed_subscribers(app: &TestApp, count: i64, author: Option<i64>, digest: bool) {
    sqlx::query(
        r#"WITH new AS (
               INSERT INTO subscribers (email, token, digest)
               SELECT 'reader' || n || '@example.com', md5(random()::text || n), $3
               FROM generate_series(1, $1) n RETURNING id)
           INSERT INTO subscriptions (subscriber_id, author_id, confirmed_at)
           SELECT id, $2, now() FROM new"#,
    )
    .bind(count)
    .bind(author)
    .bind(digest)
    .execute(app.pool())
    .await
    .unwrap();
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn double_opt_in_then_one_click_unsubscribe_and_undo() {
    let sink = SmtpSink::start().await;
    let app = app(&sink, &[]).await;
    let pool = workers(&app, 2);
    let mut ana = writer(&app, "ana").await;
    let mut visitor = app.client();

    // The same answer for a new address and a known one; one confirmation e-mail an hour.
    for _ in 0..2 {
        let response = post(
            &mut visitor,
            "/subscribe",
            "email=+Reader%40Example.COM+&author=ana",
        )
        .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        assert_eq!(
            response.header("location"),
            Some("/subscriptions/check-email")
        );
    }
    let confirmation = wait_for("the confirmation", Duration::from_secs(60), || {
        sink.messages()
            .into_iter()
            .find(|m| m.to[0] == "reader@example.com")
    })
    .await;
    let confirm_link = confirmation.link("/email/confirm/").expect("confirm link");

    // Nothing is sent before the link is opened.
    ana.publish("Before confirming", "Sent to nobody.").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        copies(&sink, "").get("reader@example.com"),
        Some(&1),
        "only the confirmation"
    );

    let path = confirm_link.trim_start_matches(SITE);
    let response = visitor.get(path).await;
    assert_eq!(
        response.header("location"),
        Some("/subscriptions/confirmed")
    );

    ana.publish("Lisbon at dawn", "Trams and light.").await;
    let story = wait_for("the story e-mail", Duration::from_secs(60), || {
        sink.messages().into_iter().find(|m| {
            m.header("Subject")
                .is_some_and(|s| s.contains("Lisbon at dawn"))
        })
    })
    .await;
    assert_eq!(story.to, vec!["reader@example.com".to_owned()]);
    let unsubscribe = story
        .header("List-Unsubscribe")
        .expect("List-Unsubscribe")
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned();
    assert!(unsubscribe.starts_with(&format!("{SITE}/email/unsubscribe/")));
    assert_eq!(
        story.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(
        story.link("/articles/lisbon-at-dawn").is_some(),
        "links to the story"
    );
    assert_eq!(
        copies(&sink, "").get("reader@example.com"),
        Some(&2),
        "the story before confirming was never sent"
    );

    // RFC 8058: the mail client POSTs, with no session and no browser headers.
    let one_click = Request::post(unsubscribe.trim_start_matches(SITE))
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
        .unwrap();
    let response = app.client().send(one_click).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let quiet = ana.publish("After unsubscribing", "Sent to nobody.").await;
    // The audience is taken when the mailing runs: let it finish before undoing.
    let quiet_id = common::article_id(app.pool(), &quiet).await;
    wait_for_async(Duration::from_secs(60), || async {
        let finished: bool = sqlx::query_scalar(
            "SELECT finished_at IS NOT NULL FROM newsletter_issues WHERE article_id = $1",
        )
        .bind(quiet_id)
        .fetch_one(app.pool())
        .await
        .unwrap();
        finished.then_some(())
    })
    .await;

    // The visible link (GET) unsubscribes too, and its page offers to undo.
    let token = unsubscribe.rsplit('/').next().unwrap().to_owned();
    let response = app
        .client()
        .get(&format!("/email/unsubscribe/{token}"))
        .await;
    assert_eq!(
        response.header("location").map(str::to_owned),
        Some(format!("/subscriptions/unsubscribed?t={token}"))
    );
    let response = post(
        &mut app.client(),
        &format!("/email/unsubscribe/{token}/undo"),
        "",
    )
    .await;
    assert_eq!(
        response.header("location"),
        Some("/subscriptions/resubscribed")
    );
    ana.publish("Back again", "Sent to the reader.").await;
    wait_for("the story after undo", Duration::from_secs(60), || {
        copies(&sink, "Back again")
            .get("reader@example.com")
            .copied()
    })
    .await;
    assert_eq!(
        copies(&sink, "After unsubscribing").get("reader@example.com"),
        None,
        "nothing was sent while unsubscribed"
    );
    // A bad token is a clear page, not an error.
    let response = app.client().get("/email/unsubscribe/not-a-token").await;
    assert_eq!(
        response.header("location"),
        Some("/subscriptions/invalid-link")
    );
    pool.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_mails_each_subscriber_once_and_republishing_never() {
    let sink = SmtpSink::start().await;
    let app = app(&sink, &[]).await;
    let pool = workers(&app, 2);
    let mut ana = writer(&app, "ana").await;
    let _bea = writer(&app, "bea").await;
    let (ana_id, bea_id) = (user_id(&app, "ana").await, user_id(&app, "bea").await);
    // A signed-in reader with a verified address: one click, no confirmation.
    let mut carl = app.user("carl", None).await;
    verify(&app, "carl").await;
    let response = post(&mut carl, "/subscribe", "author=ana").await;
    assert_eq!(
        response.header("location"),
        Some("/account?subscribed=1#subscriptions"),
        "{}",
        response.body
    );
    // ...and the whole blog: two subscriptions, one e-mail per story.
    let response = post(&mut carl, "/subscribe", "email=carl%40example.com").await;
    assert_eq!(
        response.header("location"),
        Some("/account?subscribed=1#subscriptions")
    );
    let account = carl.get("/account").await;
    assert!(
        account.body.contains("Every new story on Waypost"),
        "listed on /account"
    );
    seed_subscribers(&app, 3, Some(ana_id), false).await; // reader1..3: Ana
    sqlx::query(
        "INSERT INTO subscribers (email, token) VALUES ('bea-fan@example.com', 'bea-fan-token'),
                                                      ('pending@example.com', 'pending-token')",
    )
    .execute(app.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO subscriptions (subscriber_id, author_id, confirmed_at)
         SELECT id, $1, now() FROM subscribers WHERE email = 'bea-fan@example.com'
         UNION ALL SELECT id, $2, NULL FROM subscribers WHERE email = 'pending@example.com'",
    )
    .bind(bea_id)
    .bind(ana_id)
    .execute(app.pool())
    .await
    .unwrap();

    let slug = ana.publish("Porto by river", "Boats.").await;
    let expected = [
        "carl@example.com",
        "reader1@example.com",
        "reader2@example.com",
        "reader3@example.com",
    ];
    wait_for("every subscriber's e-mail", Duration::from_secs(60), || {
        let got = copies(&sink, "Porto by river");
        expected
            .iter()
            .all(|to| got.contains_key(*to))
            .then_some(())
    })
    .await;
    // Edit, unpublish, republish: never mailed again.
    let id = common::article_id(app.pool(), &slug).await;
    let response = ana
        .save_article(Some(id), "Porto by river", "Boats, edited.", "publish")
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let response = ana
        .save_article(Some(id), "Porto by river", "Boats, draft.", "draft")
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let response = ana
        .save_article(Some(id), "Porto by river", "Boats, again.", "publish")
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = copies(&sink, "Porto by river");
    for to in expected {
        assert_eq!(got.get(to), Some(&1), "{to} got exactly one");
    }
    assert_eq!(got.len(), expected.len(), "nobody else: {got:?}");

    // The writer's figures: who gets their stories, and the mailing's progress.
    let page = ana.get("/account/subscribers").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Porto by river"), "{}", page.body);
    let stats = app
        .state
        .mail
        .campaign(&format!("story-{id}"))
        .await
        .unwrap();
    assert_eq!(stats.sent, 4);
    let (direct, blog) = waypost::subscriptions::server::repo::audience(app.pool(), ana_id)
        .await
        .unwrap();
    assert_eq!((direct, blog), (4, 1));
    pool.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_during_a_10000_subscriber_fan_out_sends_each_exactly_once() {
    const READERS: usize = 10_000;
    let sink = SmtpSink::start().await;
    let app = app(&sink, &[("MAIL_VISIBILITY_TIMEOUT_SECS", "1")]).await;
    let mut ana = writer(&app, "ana").await;
    seed_subscribers(&app, READERS as i64, None, false).await;
    let started = Instant::now();
    let slug = ana.publish("Ten thousand inboxes", "A big mailing.").await;
    let publish_took = started.elapsed();
    let id = common::article_id(app.pool(), &slug).await;

    // One worker starts the fan-out and is killed half-way, as a crash would.
    let mailer = Arc::new(Mailer::from_config(&app.state.config.mail, 1).unwrap());
    let (_stop, receiver) = tokio::sync::watch::channel(false);
    let victim = spawn_worker(app.state.mail.clone(), mailer, settings(&app), receiver);
    let mid_way = wait_for_async(Duration::from_secs(30), || async {
        let (cursor, finished): (i64, bool) = sqlx::query_as(
            "SELECT cursor, finished_at IS NOT NULL FROM newsletter_issues WHERE article_id = $1",
        )
        .bind(id)
        .fetch_one(app.pool())
        .await
        .unwrap();
        (cursor > 0).then_some(!finished)
    })
    .await;
    victim.abort();
    assert!(
        mid_way,
        "the worker was killed while the fan-out was running"
    );
    // Another instance's workers recover the task after the visibility timeout and finish.
    let pool = workers(&app, 8);
    wait_for("every reader's e-mail", Duration::from_secs(180), || {
        (copies(&sink, "Ten thousand inboxes").len() == READERS).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = copies(&sink, "Ten thousand inboxes");
    let twice: Vec<_> = got.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    assert_eq!(got.len(), READERS);
    println!("publish request: {publish_took:?}");
    assert!(
        publish_took < Duration::from_secs(2),
        "publishing waits for no mailing"
    );
    pool.shutdown(Duration::from_secs(5)).await;
}

async fn wait_for_async<T, F, Fut>(timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(started.elapsed() < timeout, "timed out");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_digest_goes_once_with_two_instances_running() {
    let sink = SmtpSink::start().await;
    let app = app(&sink, &[]).await;
    let mut ana = writer(&app, "ana").await;
    let mut bea = writer(&app, "bea").await;
    let ana_id = user_id(&app, "ana").await;
    seed_subscribers(&app, 40, None, true).await; // weekly, everything
                                                  // Ten weekly readers of Ana only (addresses of their own).
    sqlx::query(
        r#"WITH new AS (
               INSERT INTO subscribers (email, token, digest)
               SELECT 'ana-fan' || n || '@example.com', md5(random()::text || n), true
               FROM generate_series(1, 10) n RETURNING id)
           INSERT INTO subscriptions (subscriber_id, author_id, confirmed_at)
           SELECT id, $1, now() FROM new"#,
    )
    .bind(ana_id)
    .execute(app.pool())
    .await
    .unwrap();
    let first = ana.publish("Ana's week", "One.").await;
    bea.publish("Bea's week", "Two.").await;
    // Published "yesterday": inside the week the digest covers (it ends at 00:00 today).
    sqlx::query("UPDATE newsletter_issues SET published_at = published_at - interval '1 day'")
        .execute(app.pool())
        .await
        .unwrap();
    // Two instances: each has worker pools and asks what is due, at the same moment.
    let first_pool = workers(&app, 2);
    let second_pool = workers(&app, 2);
    let today = time::OffsetDateTime::now_utc().weekday();
    let (one, two) = (deliveries(&app, today), deliveries(&app, today));
    let now = time::OffsetDateTime::now_utc();
    let (a, b) = tokio::join!(
        one.schedule_at(&app.state.mail, now),
        two.schedule_at(&app.state.mail, now)
    );
    a.unwrap();
    b.unwrap();
    wait_for("every digest", Duration::from_secs(30), || {
        (copies(&sink, "This week on Waypost").len() == 50).then_some(())
    })
    .await;
    // Asked again (a restart, the next minute): nothing more.
    one.schedule_at(&app.state.mail, now + time::Duration::minutes(5))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = copies(&sink, "This week on Waypost");
    assert_eq!(got.len(), 50);
    assert!(got.values().all(|n| *n == 1), "one digest each: {got:?}");
    // Ana's readers got her story only; the others both.
    let ana_fan = sink
        .messages()
        .into_iter()
        .find(|m| m.to[0] == "ana-fan1@example.com")
        .unwrap();
    assert!(ana_fan.link(&format!("/articles/{first}")).is_some());
    assert!(ana_fan.link("/articles/beas-week").is_none());
    let everything = sink
        .messages()
        .into_iter()
        .find(|m| m.to[0] == "reader1@example.com")
        .unwrap();
    assert!(everything
        .header("Subject")
        .is_some_and(|s| s.contains("2 new stories")));
    first_pool.shutdown(Duration::from_secs(5)).await;
    second_pool.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_forms_are_rate_limited_and_check_the_address() {
    let sink = SmtpSink::start().await;
    let app = app(&sink, &[("SUBSCRIBES_PER_IP_PER_HOUR", "3")]).await;
    writer(&app, "ana").await;
    let mut visitor = app.client();
    let response = post(
        &mut visitor,
        "/subscribe",
        "email=not-an-address&author=ana",
    )
    .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response.body.contains("valid e-mail address"),
        "{}",
        response.body
    );
    for n in 0..3 {
        let response = post(
            &mut visitor,
            "/subscribe",
            &format!("email=r{n}%40example.com"),
        )
        .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER);
    }
    let response = post(&mut visitor, "/subscribe", "email=r9%40example.com").await;
    assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(response.header("retry-after").is_some());
    let response = post(
        &mut visitor,
        "/subscribe",
        "email=x%40example.com&author=nobody",
    )
    .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_sendgrid_bounces_stop_mail_and_forgeries_are_refused() {
    use base64::Engine;
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::{Signature, SigningKey};
    use p256::pkcs8::EncodePublicKey;
    let signing = SigningKey::from_slice(&[7u8; 32]).unwrap();
    let public = signing.verifying_key().to_public_key_der().unwrap();
    let engine = base64::engine::general_purpose::STANDARD;
    let key = engine.encode(public.as_bytes());
    let sink = SmtpSink::start().await;
    let app = app(&sink, &[("SENDGRID_WEBHOOK_VERIFICATION_KEY", &key)]).await;
    seed_subscribers(&app, 2, None, false).await;
    let body = r#"[{"email":"Reader1@example.com","event":"bounce"},{"email":"reader2@example.com","event":"open"}]"#;
    let timestamp = "1733000000";
    let signature: Signature = signing.sign(format!("{timestamp}{body}").as_bytes());
    let request = |signature: &str| {
        Request::post("/email/sendgrid-events")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::CONTENT_TYPE, "application/json")
            .header("X-Twilio-Email-Event-Webhook-Signature", signature)
            .header("X-Twilio-Email-Event-Webhook-Timestamp", timestamp)
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let other: Signature = signing.sign(b"something else");
    let forged = engine.encode(other.to_der().as_bytes());
    let response = app.client().send(request(&forged)).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let good = engine.encode(signature.to_der().as_bytes());
    let response = app.client().send(request(&good)).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.body);
    let bounced: Vec<String> =
        sqlx::query_scalar("SELECT email FROM subscribers WHERE bounced_at IS NOT NULL")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(bounced, vec!["reader1@example.com".to_owned()]);
}

/// Not a test: `scripts/bench-mail` runs it (release build) for docs/benchmarks.md. A story
/// published to 10,000 subscribers: how long the publish request takes, how long until every
/// e-mail is queued, and the delivery rate of one worker process (`MAIL_BENCH_WORKERS` tasks,
/// default 8) into the local SMTP server. Printed, not asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with scripts/bench-mail"]
async fn newsletter_report() {
    const READERS: usize = 10_000;
    let tasks: usize = std::env::var("MAIL_BENCH_WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let sink = SmtpSink::start().await;
    let app = app(&sink, &[]).await;
    let mut ana = writer(&app, "ana").await;
    seed_subscribers(&app, READERS as i64, None, false).await;
    // Warm up the publish path (first statements prepared, pools filled).
    ana.save_article(None, "Warm-up draft", "Draft.", "draft")
        .await;
    let pool = workers(&app, tasks);
    let started = Instant::now();
    let slug = ana
        .publish("A story for ten thousand", "Hello, inboxes.")
        .await;
    let publish = started.elapsed();
    let id = common::article_id(app.pool(), &slug).await;
    let queued = wait_for_async(Duration::from_secs(300), || async {
        let finished: bool = sqlx::query_scalar(
            "SELECT finished_at IS NOT NULL FROM newsletter_issues WHERE article_id = $1",
        )
        .bind(id)
        .fetch_one(app.pool())
        .await
        .unwrap();
        finished.then(|| started.elapsed())
    })
    .await;
    wait_for("every e-mail delivered", Duration::from_secs(600), || {
        (copies(&sink, "A story for ten thousand").len() == READERS).then_some(())
    })
    .await;
    let delivered = started.elapsed();
    pool.shutdown(Duration::from_secs(5)).await;
    let got = copies(&sink, "A story for ten thousand");
    let twice = got.values().filter(|n| **n > 1).count();
    println!("publish request: {:.1} ms", publish.as_secs_f64() * 1000.0);
    println!(
        "all {READERS} e-mails queued {:.2} s after publishing ({:.0} e-mails/s queued)",
        queued.as_secs_f64(),
        READERS as f64 / queued.as_secs_f64()
    );
    println!(
        "all delivered by one worker process ({tasks} tasks) {:.2} s after publishing = {:.0} e-mails/s; {twice} sent twice",
        delivered.as_secs_f64(),
        READERS as f64 / delivered.as_secs_f64()
    );
}
