//! The mail worker pool: tokio tasks that take jobs from the queue and send them. Runs inside
//! `waypost serve` (MAIL_WORKERS tasks) or alone as `waypost worker`.

use super::queue::{Job, Queue, JOB_VERSION};
use super::Mailer;
use crate::config::MailConfig;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[derive(Clone)]
pub struct WorkerSettings {
    pub from: String,
    pub max_attempts: u32,
    pub visibility_timeout: Duration,
}

impl From<&MailConfig> for WorkerSettings {
    fn from(config: &MailConfig) -> Self {
        WorkerSettings {
            from: config.from.clone(),
            max_attempts: config.max_attempts,
            visibility_timeout: Duration::from_secs(config.visibility_timeout_secs),
        }
    }
}

pub struct WorkerPool {
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    /// Starts `workers` sending tasks and one maintenance task (retries due, stalled workers).
    pub fn start(
        queue: Queue,
        mailer: Arc<Mailer>,
        settings: WorkerSettings,
        workers: usize,
    ) -> Self {
        let (shutdown, receiver) = watch::channel(false);
        let mut tasks = Vec::with_capacity(workers + 1);
        for _ in 0..workers {
            tasks.push(spawn_worker(
                queue.clone(),
                mailer.clone(),
                settings.clone(),
                receiver.clone(),
            ));
        }
        tasks.push(tokio::spawn(maintain(queue, settings, receiver)));
        WorkerPool { shutdown, tasks }
    }

    /// Stops taking jobs, lets each worker finish (or return) the job in hand, and waits up
    /// to `grace` for them.
    pub async fn shutdown(self, grace: Duration) {
        let _ = self.shutdown.send(true);
        let all = futures_join_all(self.tasks);
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!("mail workers did not stop in time; their jobs return to the queue after the visibility timeout");
        }
    }
}

impl WorkerPool {
    /// Stops every task at once, as a crash would: what they held goes back to the queue
    /// only after the visibility timeout (fault tests and the mail benchmark).
    pub fn kill(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}

async fn futures_join_all(tasks: Vec<JoinHandle<()>>) {
    for task in tasks {
        let _ = task.await;
    }
}

/// One worker task with a fresh id (its in-flight list and heartbeat are keyed by it).
pub fn spawn_worker(
    queue: Queue,
    mailer: Arc<Mailer>,
    settings: WorkerSettings,
    shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let id = worker_id();
    tokio::spawn(run_worker(queue, mailer, settings, id, shutdown))
}

fn worker_id() -> String {
    use rand::Rng;
    format!(
        "{}-{:08x}",
        std::process::id(),
        rand::thread_rng().gen::<u32>()
    )
}

const IDLE_MIN: Duration = Duration::from_millis(20);
const IDLE_MAX: Duration = Duration::from_millis(250);

async fn run_worker(
    queue: Queue,
    mailer: Arc<Mailer>,
    settings: WorkerSettings,
    id: String,
    mut shutdown: watch::Receiver<bool>,
) {
    tracing::debug!(worker = %id, "mail worker started");
    let heartbeat_every = (settings.visibility_timeout / 3).min(Duration::from_secs(2));
    let mut last_heartbeat: Option<Instant> = None;
    let mut idle = IDLE_MIN;
    while !*shutdown.borrow() {
        if last_heartbeat.is_none_or(|at| at.elapsed() >= heartbeat_every) {
            match queue.heartbeat(&id).await {
                Ok(()) => last_heartbeat = Some(Instant::now()),
                Err(error) => {
                    tracing::warn!(%error, "mail worker can't reach Redis; retrying");
                    sleep_or_shutdown(Duration::from_secs(1), &mut shutdown).await;
                    continue;
                }
            }
        }
        match queue.take(&id).await {
            Ok(Some(raw)) => {
                idle = IDLE_MIN;
                handle(&queue, &mailer, &settings, &id, raw).await;
            }
            Ok(None) => {
                sleep_or_shutdown(idle, &mut shutdown).await;
                idle = (idle * 2).min(IDLE_MAX);
            }
            Err(error) => {
                tracing::warn!(%error, "mail worker can't reach Redis; retrying");
                sleep_or_shutdown(Duration::from_secs(1), &mut shutdown).await;
                // The move may have happened without its answer reaching us: give back
                // whatever our in-flight list holds (we hold nothing else between jobs).
                if let Err(error) = queue.return_in_flight(&id).await {
                    tracing::debug!(%error, "could not check the in-flight list yet");
                } else {
                    last_heartbeat = None;
                }
            }
        }
    }
    // Anything still held goes back for another worker (normally nothing: jobs are finished
    // before the loop checks for shutdown).
    let _ = queue.return_in_flight(&id).await;
    tracing::debug!(worker = %id, "mail worker stopped");
}

async fn sleep_or_shutdown(duration: Duration, shutdown: &mut watch::Receiver<bool>) {
    tokio::select! {
        _ = tokio::time::sleep(duration) => {}
        _ = shutdown.changed() => {}
    }
}

/// Retries a queue step until Redis answers: a job's outcome must be recorded, or it would
/// sit in the in-flight list of a live worker.
async fn persist<T, F, Fut>(what: &str, mut step: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, fred::error::Error>>,
{
    let mut wait = Duration::from_millis(100);
    loop {
        match step().await {
            Ok(value) => return value,
            Err(error) => {
                tracing::warn!(%error, what, "mail queue update failed; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(2));
            }
        }
    }
}

async fn handle(
    queue: &Queue,
    mailer: &Mailer,
    settings: &WorkerSettings,
    worker: &str,
    raw: String,
) {
    let job: Job = match serde_json::from_str::<Job>(&raw) {
        Ok(job) if job.v <= JOB_VERSION => job,
        Ok(job) => {
            tracing::error!(
                version = job.v,
                "mail job from a newer version; returning it"
            );
            let _requeued: i64 = persist("requeue", || queue.return_in_flight(worker)).await;
            return;
        }
        Err(error) => {
            tracing::error!(%error, "unreadable mail job; dead-lettering it");
            let placeholder = Job {
                v: JOB_VERSION,
                id: "unreadable".into(),
                attempts: 0,
                email: super::Email {
                    key: "unreadable".into(),
                    to: String::new(),
                    subject: String::new(),
                    text: raw.chars().take(2000).collect(),
                    html: String::new(),
                },
                last_error: None,
            };
            let message = format!("unreadable job: {error}");
            persist("dead-letter", || {
                queue.fail(worker, &raw, placeholder.clone(), &message, 1, true)
            })
            .await;
            return;
        }
    };
    let key = job.email.key.clone();
    let sent_before = persist("check sent", || queue.already_sent(&key)).await;
    if sent_before {
        tracing::info!(
            key,
            "mail job delivered again after it was sent; not sending twice"
        );
        persist("ack", || async {
            queue.count("duplicates_skipped").await?;
            queue.ack(worker, &raw).await
        })
        .await;
        return;
    }
    match mailer.send(&settings.from, &job.email).await {
        Ok(()) => {
            tracing::info!(key, attempts = job.attempts + 1, "e-mail sent");
            persist("mark sent", || queue.ack_sent(worker, &key, &raw)).await;
        }
        Err(error) => {
            let last = error.permanent || job.attempts + 1 >= settings.max_attempts;
            if last {
                tracing::error!(key, %error, "e-mail failed for good; dead-lettered");
            } else {
                tracing::warn!(key, %error, attempt = job.attempts + 1, "e-mail failed; will retry");
            }
            let message = error.to_string();
            persist("reschedule", || {
                queue.fail(
                    worker,
                    &raw,
                    job.clone(),
                    &message,
                    settings.max_attempts,
                    error.permanent,
                )
            })
            .await;
        }
    }
}

/// Moves due retries back to the queue and rescues the jobs of workers that died.
async fn maintain(queue: Queue, settings: WorkerSettings, mut shutdown: watch::Receiver<bool>) {
    let timeout_ms = settings.visibility_timeout.as_millis() as i64;
    let recover_every = (settings.visibility_timeout / 4).max(Duration::from_millis(250));
    let mut last_recovery = Instant::now() - recover_every;
    while !*shutdown.borrow() {
        if let Err(error) = queue.promote_due().await {
            tracing::debug!(%error, "could not promote due mail retries");
        }
        if last_recovery.elapsed() >= recover_every {
            last_recovery = Instant::now();
            if let Err(error) = queue.recover_stalled(timeout_ms).await {
                tracing::debug!(%error, "could not check for stalled mail workers");
            }
            if let Err(error) = queue.adopt_legacy_jobs().await {
                tracing::debug!(%error, "could not check for jobs of an earlier version");
            }
        }
        sleep_or_shutdown(Duration::from_millis(250), &mut shutdown).await;
    }
}
