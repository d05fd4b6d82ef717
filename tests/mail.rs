//! E-mail through the Redis queue to a real SMTP server (an in-process sink on loopback):
//! verification and reset flows end to end, retries and dead letters, and fault tests that
//! kill a worker and restart a Redis server mid-run without losing a job.

mod common;

use axum::http::StatusCode;
use common::redis_server::{free_port, OwnRedis, OwnRedisCluster};
use common::smtp::{Mode, SmtpSink};
use common::wait_for;
use common::TestApp;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use waypost::config::{DigestSchedule, MailBackend, MailConfig, SmtpSecurity};
use waypost::mail::queue::Queue;
use waypost::mail::worker::{spawn_worker, WorkerPool, WorkerSettings};
use waypost::mail::{Email, Mailer};

fn mail_config(sink: &SmtpSink, max_attempts: u32, visibility_secs: u64) -> MailConfig {
    MailConfig {
        backend: MailBackend::Smtp {
            host: "127.0.0.1".into(),
            port: sink.port,
            username: None,
            password: None,
            security: SmtpSecurity::None,
        },
        from: "Waypost <no-reply@waypost.test>".into(),
        workers: 2,
        max_attempts,
        visibility_timeout_secs: visibility_secs,
        digest: DigestSchedule {
            weekday: time::Weekday::Monday,
            hour: 8,
        },
        sendgrid_webhook_key: None,
    }
}

fn start_pool(queue: &Queue, config: &MailConfig, workers: usize) -> WorkerPool {
    let mailer = Mailer::from_config(config, workers).expect("mailer");
    WorkerPool::start(queue.clone(), Arc::new(mailer), config.into(), workers)
}

fn token_of(link: &str) -> String {
    link.split("token=")
        .nth(1)
        .expect("token in link")
        .chars()
        .take(64)
        .collect()
}

async fn app_with_mail(pool: PgPool, sink: &SmtpSink, extra: &[(&str, &str)]) -> TestApp {
    let mut vars: Vec<(String, String)> = sink
        .vars()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    vars.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let borrowed: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TestApp::with_vars(pool, &borrowed).await
}

#[tokio::test]
async fn sign_up_sends_a_working_verification_link() {
    let pool = common::test_pool().await;
    let sink = SmtpSink::start().await;
    let app = app_with_mail(pool.clone(), &sink, &[("REQUIRE_VERIFIED_EMAIL", "true")]).await;
    let workers = start_pool(&app.state.mail, &app.state.config.mail, 1);
    let mut writer = app.user("wendy", Some("writer")).await;
    sqlx::query("UPDATE users SET email_verified_at = now() WHERE username = 'wendy'")
        .execute(&pool)
        .await
        .unwrap();
    let slug = writer.publish("Verified stories", "Body text.").await;
    let article = common::article_id(&pool, &slug).await.to_string();

    let mut ana = app.client();
    let started = Instant::now();
    let response = ana.signup("ana", "ana@example.com").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "sign-up doesn't wait for SMTP"
    );
    let mail = wait_for("the verification e-mail", Duration::from_secs(10), || {
        sink.messages()
            .into_iter()
            .find(|m| m.to == ["ana@example.com"])
    })
    .await;
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Confirm your e-mail address")
    );
    assert!(
        mail.data.contains("multipart/alternative"),
        "text and HTML parts"
    );
    assert!(mail.header("Message-ID").is_some());
    let link = mail
        .link("/verify-email?token=")
        .expect("verification link");
    assert!(
        link.starts_with("http://127.0.0.1:3000/verify-email?token="),
        "{link}"
    );

    // Until verified: reading yes, commenting and rating no (with a clear reason).
    let refused = ana
        .call(
            "post_comment",
            &[("article_id", &article), ("body", "Hello!")],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("confirm your e-mail address"),
        "{}",
        refused.body
    );
    let page = ana.get(&format!("/articles/{slug}")).await;
    assert!(page.body.contains("Confirm your e-mail address to rate"));
    assert!(page.body.contains("rate stories and join conversations"));
    // In place of the controls: a button that sends the link again, and it does.
    assert!(page.body.contains(r#"action="/sfn/resend_verification""#));
    assert!(page.body.contains("Send the link again"));
    let resent = ana.call("resend_verification", &[]).await;
    assert!(
        resent.status.is_success() || resent.status.is_redirection(),
        "{}",
        resent.body
    );
    let second = wait_for(
        "the second verification e-mail",
        Duration::from_secs(10),
        || {
            let to_ana: Vec<_> = sink
                .messages()
                .into_iter()
                .filter(|m| m.to == ["ana@example.com"])
                .collect();
            (to_ana.len() >= 2).then(|| to_ana[to_ana.len() - 1].clone())
        },
    )
    .await;
    // The new link replaces the old one.
    let link = second
        .link("/verify-email?token=")
        .expect("verification link");

    // The page behind the link changes nothing by itself; its button does, once.
    let token = token_of(&link);
    let landing = ana.get(&format!("/verify-email?token={token}")).await;
    assert_eq!(landing.status, StatusCode::OK);
    let still: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT email_verified_at FROM users WHERE username = 'ana'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(still.is_none());
    let verified = ana.call("verify_email", &[("token", &token)]).await;
    assert!(
        verified.status.is_success() || verified.status.is_redirection(),
        "{}",
        verified.body
    );
    let again = ana.call("verify_email", &[("token", &token)]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "single use");
    let forged = ana
        .call("verify_email", &[("token", &"0".repeat(64))])
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);

    let allowed = ana
        .call(
            "post_comment",
            &[("article_id", &article), ("body", "Hello!")],
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    // The story's writer hears about it (verified, notifications on by default).
    let note = wait_for("the comment notification", Duration::from_secs(10), || {
        sink.messages().into_iter().find(|m| {
            m.to == ["wendy@example.com"]
                && m.header("Subject")
                    .unwrap_or_default()
                    .starts_with("New comment")
        })
    })
    .await;
    assert!(note
        .link("/articles/")
        .is_some_and(|l| l.contains("#comment-")));
    workers.shutdown(Duration::from_secs(5)).await;
}

/// The sign-up form never tells whether an address has an account: a taken one finishes like
/// a free one, and its owner gets a notice (once an hour at most) instead of a second account.
/// The confirmation link signs the new account in only in the browser that signed up.
#[tokio::test]
async fn sign_up_never_tells_whether_an_address_has_an_account() {
    let pool = common::test_pool().await;
    let sink = SmtpSink::start().await;
    let app = app_with_mail(pool.clone(), &sink, &[]).await;
    let workers = start_pool(&app.state.mail, &app.state.config.mail, 1);
    let mut ana = app.client();
    let fresh = ana.signup_form("ana", "ana@example.com").await;
    let mut someone = app.client();
    let taken = someone.signup_form("anita", "ANA@example.com").await;
    for response in [&fresh, &taken] {
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        assert_eq!(response.header("location"), Some("/signup/check-email"));
    }
    assert_eq!(fresh.body, taken.body);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 1);
    let to_ana = |subject: &'static str| {
        let sink = sink.clone();
        move || {
            sink.messages().into_iter().find(|m| {
                m.to == ["ana@example.com"] && m.header("Subject").as_deref() == Some(subject)
            })
        }
    };
    let notice = wait_for(
        "the notice to the owner",
        Duration::from_secs(10),
        to_ana("You already have a Waypost account"),
    )
    .await;
    assert!(notice.link("/password-reset").is_some());
    // Again within the hour: the same answer, no second notice.
    let again = app.client().signup_form("anita2", "ana@example.com").await;
    assert_eq!(again.header("location"), Some("/signup/check-email"));

    let link = wait_for(
        "the confirmation link",
        Duration::from_secs(10),
        to_ana("Confirm your e-mail address"),
    )
    .await
    .link("/verify-email?token=")
    .expect("link");
    assert!(
        ana.current_user().await.is_null(),
        "not signed in before the link"
    );
    let confirmed = ana
        .call("verify_email", &[("token", &token_of(&link))])
        .await;
    assert_eq!(confirmed.header("location"), Some("/account?joined=1"));
    let me = ana.current_user().await;
    assert_eq!(me["username"], "ana");
    let notices = sink
        .messages()
        .iter()
        .filter(|m| m.header("Subject").as_deref() == Some("You already have a Waypost account"))
        .count();
    assert_eq!(notices, 1, "at most one notice an hour");
    workers.shutdown(Duration::from_secs(5)).await;
}

/// Opened in another browser, the link confirms the address but signs no one in.
#[tokio::test]
async fn a_confirmation_link_elsewhere_confirms_without_signing_in() {
    let pool = common::test_pool().await;
    let sink = SmtpSink::start().await;
    let app = app_with_mail(pool.clone(), &sink, &[]).await;
    let workers = start_pool(&app.state.mail, &app.state.config.mail, 1);
    app.client().signup_form("bea", "bea@example.com").await;
    let link = wait_for("the confirmation link", Duration::from_secs(10), || {
        sink.messages()
            .into_iter()
            .find(|m| m.to == ["bea@example.com"])
            .and_then(|m| m.link("/verify-email?token="))
    })
    .await;
    let mut phone = app.client();
    let confirmed = phone
        .call("verify_email", &[("token", &token_of(&link))])
        .await;
    assert_eq!(confirmed.header("location"), Some("/login?verified=1"));
    assert!(phone.current_user().await.is_null());
    let verified: bool = sqlx::query_scalar(
        "SELECT email_verified_at IS NOT NULL FROM users WHERE username = 'bea'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(verified);
    workers.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn password_reset_end_to_end_without_account_enumeration() {
    let pool = common::test_pool().await;
    let sink = SmtpSink::start().await;
    let app = app_with_mail(pool.clone(), &sink, &[]).await;
    let workers = start_pool(&app.state.mail, &app.state.config.mail, 1);
    app.user("ana", None).await;
    let mut stranger = app.client();

    let known = stranger
        .call("request_password_reset", &[("email", "ANA@example.com")])
        .await;
    let unknown = stranger
        .call("request_password_reset", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(
        (known.status, known.body.clone()),
        (unknown.status, unknown.body.clone()),
        "same answer either way"
    );
    let mail = wait_for("the reset e-mail", Duration::from_secs(10), || {
        sink.messages()
            .into_iter()
            .find(|m| m.header("Subject").as_deref() == Some("Reset your Waypost password"))
    })
    .await;
    assert_eq!(mail.to, ["ana@example.com"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        sink.messages()
            .iter()
            .all(|m| m.to != ["nobody@example.com"]),
        "nothing is sent to an unknown address"
    );
    let token = token_of(&mail.link("/password-reset/confirm?token=").expect("link"));

    let weak = stranger
        .call(
            "reset_password",
            &[
                ("token", &token),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body.contains("at least 10"), "{}", weak.body);
    let new_password = "mountain-river-lantern-7";
    let done = stranger
        .call(
            "reset_password",
            &[
                ("token", &token),
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert!(
        done.status.is_success() || done.status.is_redirection(),
        "{}",
        done.body
    );
    let reused = stranger
        .call(
            "reset_password",
            &[
                ("token", &token),
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reused.body.contains("expired or was already used"));

    let mut ana = app.client();
    assert_ne!(
        ana.login("ana", common::PASSWORD).await.status,
        StatusCode::OK,
        "old password is gone"
    );
    assert_eq!(ana.login("ana", new_password).await.status, StatusCode::OK);
    workers.shutdown(Duration::from_secs(5)).await;
}

fn email(key: &str) -> Email {
    Email {
        key: key.to_owned(),
        to: format!("{key}@example.com"),
        subject: format!("Test {key}"),
        text: "Hello".into(),
        html: "<p>Hello</p>".into(),
        ..Email::default()
    }
}

async fn fresh_queue(redis_url: &str) -> Queue {
    let redis = waypost::redis::connect(redis_url).await.expect("redis");
    let prefix = format!("waypost-mailtest:{}:{}", std::process::id(), rand_suffix());
    Queue::new(redis, &prefix)
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_retried_then_dead_lettered() {
    let sink = SmtpSink::start().await;
    let queue = fresh_queue("redis://127.0.0.1:6379").await;
    let config = mail_config(&sink, 2, 60);
    let workers = start_pool(&queue, &config, 1);

    sink.set_mode(Mode::Temporary);
    queue.enqueue(email("soft")).await.unwrap();
    let started = Instant::now();
    loop {
        let stats = queue.stats().await.unwrap();
        if stats.dead == 1 {
            assert_eq!(stats.retried, 1, "one retry before giving up");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "{stats:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let dead = queue.dead_jobs().await.unwrap();
    assert_eq!(dead[0].attempts, 2);
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("451"),
        "{:?}",
        dead[0].last_error
    );

    // A permanent refusal is not retried.
    sink.set_mode(Mode::Permanent);
    queue.enqueue(email("hard")).await.unwrap();
    wait_for_stats(&queue, Duration::from_secs(10), |s| s.dead == 2).await;
    assert_eq!(queue.stats().await.unwrap().retried, 1);

    // And a temporary failure that clears up is delivered on retry.
    sink.set_mode(Mode::Temporary);
    queue.enqueue(email("later")).await.unwrap();
    wait_for_stats(&queue, Duration::from_secs(10), |s| s.retried == 2).await;
    sink.set_mode(Mode::Accept);
    wait_for_stats(&queue, Duration::from_secs(10), |s| s.sent == 1).await;
    assert_eq!(sink.messages().len(), 1);
    workers.shutdown(Duration::from_secs(5)).await;
}

async fn wait_for_stats(
    queue: &Queue,
    timeout: Duration,
    done: impl Fn(&waypost::mail::queue::QueueStats) -> bool,
) {
    let started = Instant::now();
    loop {
        if let Ok(stats) = queue.stats().await {
            if done(&stats) {
                return;
            }
            assert!(started.elapsed() < timeout, "timed out: {stats:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn all_delivered(sink: &SmtpSink, total: usize) -> bool {
    let received: std::collections::HashSet<String> = sink
        .messages()
        .into_iter()
        .map(|m| m.to[0].clone())
        .collect();
    (0..total).all(|i| received.contains(&format!("job{i}@example.com")))
}

/// Every queued key was delivered at least once; returns how many extra copies were sent.
fn check_delivered(sink: &SmtpSink, total: usize) -> usize {
    let mut copies: HashMap<String, usize> = HashMap::new();
    for message in sink.messages() {
        *copies.entry(message.to[0].clone()).or_default() += 1;
    }
    for i in 0..total {
        let to = format!("job{i}@example.com");
        assert!(copies.contains_key(&to), "{to} was never delivered");
    }
    copies.values().map(|n| n - 1).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_batch_loses_nothing() {
    const JOBS: usize = 1000;
    let sink = SmtpSink::start().await;
    let queue = fresh_queue("redis://127.0.0.1:6379").await;
    let config = mail_config(&sink, 5, 2);
    for i in 0..JOBS {
        queue.enqueue(email(&format!("job{i}"))).await.unwrap();
    }
    let mailer = Arc::new(Mailer::from_config(&config, 2).unwrap());
    let settings: WorkerSettings = (&config).into();
    let (_stop, receiver) = tokio::sync::watch::channel(false);
    let victim = spawn_worker(
        queue.clone(),
        mailer.clone(),
        settings.clone(),
        receiver.clone(),
    );
    let survivor = start_pool(&queue, &config, 1);
    // Kill one worker abruptly once the batch is under way: whatever it held is in flight.
    wait_for("a tenth of the batch", Duration::from_secs(30), || {
        (sink.messages().len() >= JOBS / 10).then_some(())
    })
    .await;
    victim.abort();
    // A fresh worker takes its place, as after a crash and restart.
    let replacement = spawn_worker(queue.clone(), mailer, settings, receiver);
    // Done when every job reached the SMTP server (a job lost in a dead worker's hands would
    // never arrive: the wait times out) and the queue is empty.
    wait_for("every job delivered", Duration::from_secs(90), || {
        all_delivered(&sink, JOBS).then_some(())
    })
    .await;
    wait_for_stats(&queue, Duration::from_secs(30), |s| {
        s.ready == 0 && s.in_flight == 0 && s.delayed == 0
    })
    .await;
    let duplicates = check_delivered(&sink, JOBS);
    let stats = queue.stats().await.unwrap();
    println!("worker kill: {duplicates} duplicate sends, stats {stats:?}");
    assert_eq!(stats.dead, 0);
    // The killed worker's job may go out twice; so may the job of a worker that stalled past
    // the visibility timeout on a loaded machine (at-least-once). Bounded, never unbounded.
    assert!(duplicates <= 3, "duplicates stay bounded: {duplicates}");
    replacement.abort();
    survivor.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_mid_run_loses_nothing() {
    const JOBS: usize = 1000;
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("waypost-redis-{port}"));
    let mut redis = OwnRedis::start(port, Some(&dir));
    let url = redis.url();
    let sink = SmtpSink::start().await;
    let queue = fresh_queue(&url).await;
    let config = mail_config(&sink, 10, 5);
    for i in 0..JOBS {
        queue.enqueue(email(&format!("job{i}"))).await.unwrap();
    }
    let workers = start_pool(&queue, &config, 2);
    wait_for("a fifth of the batch", Duration::from_secs(30), || {
        (sink.messages().len() >= JOBS / 5).then_some(())
    })
    .await;
    redis.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent_while_down = sink.messages().len();
    redis = OwnRedis::start(port, Some(&dir));
    wait_for("every job delivered", Duration::from_secs(90), || {
        all_delivered(&sink, JOBS).then_some(())
    })
    .await;
    wait_for_stats(&queue, Duration::from_secs(30), |s| {
        s.ready == 0 && s.in_flight == 0 && s.delayed == 0
    })
    .await;
    let duplicates = check_delivered(&sink, JOBS);
    println!(
        "redis restart: {duplicates} duplicate sends ({sent_while_down} sent before the restart)"
    );
    assert!(
        duplicates <= 4,
        "duplicates stay bounded by the jobs in flight: {duplicates}"
    );
    workers.shutdown(Duration::from_secs(5)).await;
    drop(redis);
    let _ = std::fs::remove_dir_all(dir);
}

/// The queue on a real three-node Redis Cluster (every key of the queue in one hash slot):
/// jobs go through, a worker killed mid-batch loses none, and a retry goes through the
/// delayed set and the scripts that move it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_runs_on_a_redis_cluster_and_survives_a_worker_kill() {
    const JOBS: usize = 300;
    let cluster = OwnRedisCluster::start();
    let sink = SmtpSink::start().await;
    let queue = fresh_queue(&cluster.url()).await;
    let config = mail_config(&sink, 5, 2);
    for i in 0..JOBS {
        queue.enqueue(email(&format!("job{i}"))).await.unwrap();
    }
    let victim = start_pool(&queue, &config, 2);
    wait_for("a tenth of the batch", Duration::from_secs(30), || {
        (sink.messages().len() >= JOBS / 10).then_some(())
    })
    .await;
    victim.kill();
    let survivor = start_pool(&queue, &config, 2);
    wait_for("every job delivered", Duration::from_secs(60), || {
        all_delivered(&sink, JOBS).then_some(())
    })
    .await;
    wait_for_stats(&queue, Duration::from_secs(30), |s| {
        s.ready == 0 && s.in_flight == 0 && s.delayed == 0
    })
    .await;
    let duplicates = check_delivered(&sink, JOBS);
    assert!(
        duplicates <= 2,
        "at most the two jobs in hand: {duplicates}"
    );

    sink.set_mode(Mode::Temporary);
    queue.enqueue(email("retry")).await.unwrap();
    wait_for_stats(&queue, Duration::from_secs(10), |s| s.retried == 1).await;
    sink.set_mode(Mode::Accept);
    wait_for("the retry delivered", Duration::from_secs(15), || {
        sink.messages()
            .iter()
            .any(|m| m.to[0] == "retry@example.com")
            .then_some(())
    })
    .await;
    survivor.shutdown(Duration::from_secs(5)).await;
}

/// Jobs an earlier version queued under the keys without a hash tag (ready, and one held by
/// a worker of that version) are adopted and delivered; the old keys are gone afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_queued_by_an_earlier_version_are_adopted() {
    use fred::prelude::*;
    let sink = SmtpSink::start().await;
    let redis = waypost::redis::connect("redis://127.0.0.1:6379")
        .await
        .expect("redis");
    let prefix = format!("waypost-legacytest:{}", rand_suffix());
    let old_job = |key: &str| {
        serde_json::json!({"v": 1, "id": key, "attempts": 0, "email": {
            "key": key, "to": format!("{key}@example.com"), "subject": "Queued before",
            "text": "t", "html": "<p>t</p>"}})
        .to_string()
    };
    let _: i64 = redis
        .lpush(format!("{prefix}:mail:ready"), old_job("waiting"))
        .await
        .unwrap();
    let _: i64 = redis
        .zadd(
            format!("{prefix}:mail:workers"),
            None,
            None,
            false,
            false,
            (0.0, "old-worker"),
        )
        .await
        .unwrap();
    let _: i64 = redis
        .lpush(
            format!("{prefix}:mail:inflight:old-worker"),
            old_job("held"),
        )
        .await
        .unwrap();
    let queue = Queue::new(redis.clone(), &prefix);
    let workers = start_pool(&queue, &mail_config(&sink, 5, 2), 1);
    wait_for("both old jobs delivered", Duration::from_secs(15), || {
        let to: Vec<String> = sink
            .messages()
            .into_iter()
            .map(|m| m.to[0].clone())
            .collect();
        (to.contains(&"waiting@example.com".to_owned())
            && to.contains(&"held@example.com".to_owned()))
        .then_some(())
    })
    .await;
    for name in ["ready", "workers", "inflight:old-worker"] {
        let left: i64 = redis.exists(format!("{prefix}:mail:{name}")).await.unwrap();
        assert_eq!(left, 0, "{name} is still there");
    }
    workers.shutdown(Duration::from_secs(5)).await;
}

/// The page cache on the same kind of cluster: stored, found, dropped by scope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_cache_runs_on_a_redis_cluster() {
    use waypost::cache::{Change, PageCache, Scope};
    let cluster = OwnRedisCluster::start();
    let redis = waypost::redis::connect(&cluster.url())
        .await
        .expect("cluster");
    // Redis only (no in-process tier): this is about the cluster.
    let cache = PageCache::new(
        redis,
        &format!("cachetest{}", rand_suffix()),
        true,
        60,
        100,
        0,
    );
    let lists = [Scope::Lists];
    let lima = [Scope::Article("lima".into())];
    cache.put("/articles/lima", "lima".into(), &lima, 0);
    cache.put("/", "index".into(), &lists, 0);
    let started = Instant::now();
    while cache.get("/", &lists, 0).await.is_none()
        || cache.get("/articles/lima", &lima, 0).await.is_none()
    {
        assert!(started.elapsed() < Duration::from_secs(5), "never stored");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cache
        .invalidate(Change::Followers {
            username: "nobody".into(),
        })
        .await;
    assert!(
        cache.get("/", &lists, 0).await.is_some(),
        "an unrelated change drops nothing"
    );
    cache
        .invalidate(Change::Article {
            slug: "lima".into(),
        })
        .await;
    assert_eq!(cache.get("/articles/lima", &lima, 0).await, None);
    assert_eq!(
        cache.get("/", &lists, 0).await,
        None,
        "lists show the story too"
    );
    assert_eq!(
        cache
            .stats
            .errors
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

/// Not a test: `scripts/bench-mail` runs it to measure enqueue throughput and delivery by one
/// worker process (`MAIL_BENCH_WORKERS` tasks, default 8) to the local SMTP server, with that
/// process killed a third of the way through and replaced (printed, not asserted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with scripts/bench-mail"]
async fn throughput_report() {
    const JOBS: usize = 10_000;
    const TASKS: usize = 32;
    let sink = SmtpSink::start().await;
    let queue = fresh_queue("redis://127.0.0.1:6379").await;
    let started = Instant::now();
    let mut producers = Vec::new();
    for t in 0..TASKS {
        let queue = queue.clone();
        producers.push(tokio::spawn(async move {
            for i in (t..JOBS).step_by(TASKS) {
                queue.enqueue(email(&format!("job{i}"))).await.unwrap();
            }
        }));
    }
    for producer in producers {
        producer.await.unwrap();
    }
    let enqueue = started.elapsed();
    let workers: usize = std::env::var("MAIL_BENCH_WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let config = mail_config(&sink, 5, 2);
    let started = Instant::now();
    let first = start_pool(&queue, &config, workers);
    wait_for("a third of the batch", Duration::from_secs(600), || {
        (sink.messages().len() >= JOBS / 3).then_some(())
    })
    .await;
    let before_kill = (sink.messages().len(), started.elapsed());
    first.kill();
    let replacement = start_pool(&queue, &config, workers);
    wait_for("every job delivered", Duration::from_secs(600), || {
        all_delivered(&sink, JOBS).then_some(())
    })
    .await;
    let deliver = started.elapsed();
    wait_for_stats(&queue, Duration::from_secs(30), |s| {
        s.ready == 0 && s.in_flight == 0 && s.delayed == 0
    })
    .await;
    replacement.shutdown(Duration::from_secs(5)).await;
    let duplicates = check_delivered(&sink, JOBS);
    println!(
        "enqueue: {JOBS} jobs from {TASKS} tasks in {:.2} s = {:.0} jobs/s",
        enqueue.as_secs_f64(),
        JOBS as f64 / enqueue.as_secs_f64()
    );
    println!(
        "one worker process ({workers} tasks) before the kill: {} e-mails in {:.2} s = {:.0} e-mails/s",
        before_kill.0,
        before_kill.1.as_secs_f64(),
        before_kill.0 as f64 / before_kill.1.as_secs_f64()
    );
    println!(
        "all {JOBS} delivered in {:.2} s (killed and replaced a third of the way; the killed \
         process's jobs came back after the 2 s visibility timeout): 0 lost, {duplicates} sent twice",
        deliver.as_secs_f64()
    );
}

#[tokio::test]
async fn notifications_respect_the_opt_out_and_email_changes_need_confirmation() {
    let pool = common::test_pool().await;
    let sink = SmtpSink::start().await;
    let app = app_with_mail(pool.clone(), &sink, &[]).await;
    let workers = start_pool(&app.state.mail, &app.state.config.mail, 1);
    let mut writer = app.user("wendy", Some("writer")).await;
    let mut tom = app.user("tom", None).await;
    sqlx::query("UPDATE users SET email_verified_at = now()")
        .execute(&pool)
        .await
        .unwrap();
    // Wendy turns comment e-mails off; Tom keeps them.
    let off = writer
        .call(
            "update_profile",
            &[
                ("display_name", "Wendy"),
                ("bio", ""),
                ("x_handle", ""),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    let slug = writer.publish("Quiet story", "Body.").await;
    let article = common::article_id(&pool, &slug).await.to_string();
    let toms = tom
        .call(
            "post_comment",
            &[("article_id", &article), ("body", "Lovely")],
        )
        .await
        .json()["id"]
        .to_string();
    writer
        .call(
            "post_comment",
            &[
                ("article_id", &article),
                ("parent_id", &toms),
                ("body", "Thanks!"),
            ],
        )
        .await;
    let reply = wait_for("Tom's reply notification", Duration::from_secs(10), || {
        sink.messages().into_iter().find(|m| {
            m.to == ["tom@example.com"]
                && m.header("Subject")
                    .unwrap_or_default()
                    .contains("replied to your comment")
        })
    })
    .await;
    assert!(reply.link("#comment-").is_some());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        sink.messages().iter().all(|m| m.to != ["wendy@example.com"]
            || !m.header("Subject").unwrap_or_default().contains("comment")),
        "Wendy opted out"
    );

    // Changing the address: the password is checked, the link goes to the new address, and
    // only using it switches the account over.
    let wrong = tom
        .call(
            "request_email_change",
            &[
                ("new_email", "tom@new.example"),
                ("password", "nope-nope-nope"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let taken = tom
        .call(
            "request_email_change",
            &[
                ("new_email", "WENDY@example.com"),
                ("password", common::PASSWORD),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    let asked = tom
        .call(
            "request_email_change",
            &[
                ("new_email", "tom@new.example"),
                ("password", common::PASSWORD),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let mail = wait_for("the confirmation", Duration::from_secs(10), || {
        sink.messages()
            .into_iter()
            .find(|m| m.to == ["tom@new.example"])
    })
    .await;
    let current: String = sqlx::query_scalar("SELECT email FROM users WHERE username = 'tom'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(current, "tom@example.com", "unchanged until confirmed");
    let token = token_of(&mail.link("/confirm-email?token=").expect("link"));
    let confirmed = app
        .client()
        .call("confirm_email_change", &[("token", &token)])
        .await;
    assert!(
        confirmed.status.is_success() || confirmed.status.is_redirection(),
        "{}",
        confirmed.body
    );
    let current: String = sqlx::query_scalar("SELECT email FROM users WHERE username = 'tom'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(current, "tom@new.example");
    let again = app
        .client()
        .call("confirm_email_change", &[("token", &token)])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    workers.shutdown(Duration::from_secs(5)).await;
}
