//! The mail worker pool: tokio tasks that take jobs from the queue and send them. Runs inside
//! `waypost serve` (MAIL_WORKERS tasks) or alone as `waypost worker`.

use super::queue::{Job, Progress, Queue, Task, TaskRunner, Work, JOB_VERSION};
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
    /// Runs task jobs (newsletter fan-outs, digests) and schedules what is due. Without one,
    /// task jobs wait for a pool that has one.
    pub tasks: Option<Arc<dyn TaskRunner>>,
}

impl WorkerSettings {
    pub fn with_tasks(mut self, runner: Arc<dyn TaskRunner>) -> Self {
        self.tasks = Some(runner);
        self
    }

    /// A task's slice: well inside the visibility timeout (heartbeats wait for it).
    fn task_slice(&self) -> Duration {
        (self.visibility_timeout / 3).clamp(Duration::from_millis(200), Duration::from_secs(5))
    }
}

impl From<&MailConfig> for WorkerSettings {
    fn from(config: &MailConfig) -> Self {
        WorkerSettings {
            from: config.from.clone(),
            max_attempts: config.max_attempts,
            visibility_timeout: Duration::from_secs(config.visibility_timeout_secs),
            tasks: None,
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
                work: Work::Email {
                    email: super::Email {
                        key: "unreadable".into(),
                        text: raw.chars().take(2000).collect(),
                        ..super::Email::default()
                    },
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
    let email = match &job.work {
        Work::Email { email } => email.clone(),
        Work::Task { task } => {
            let task = task.clone();
            return run_task(queue, settings, worker, &raw, job, &task).await;
        }
    };
    let key = email.key.clone();
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
    match mailer.send(&settings.from, &email).await {
        Ok(()) => {
            tracing::info!(key, attempts = job.attempts + 1, "e-mail sent");
            persist("mark sent", || queue.ack_sent(worker, &email, &raw)).await;
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

/// One slice of a task: done (acknowledged), more to do (back to the queue at once), or
/// failed (retried with backoff, like an e-mail).
async fn run_task(
    queue: &Queue,
    settings: &WorkerSettings,
    worker: &str,
    raw: &str,
    job: Job,
    task: &Task,
) {
    let outcome = match &settings.tasks {
        Some(runner) => {
            let deadline = Instant::now() + settings.task_slice();
            runner.run(task, queue, deadline).await
        }
        None => Err(super::MailError::transient(
            "this worker pool runs no tasks",
        )),
    };
    match outcome {
        Ok(Progress::Done) => {
            tracing::info!(task = ?task, "task done");
            persist("ack task", || queue.ack(worker, raw)).await;
        }
        Ok(Progress::More) => persist("requeue task", || queue.requeue(worker, raw)).await,
        Err(error) => {
            tracing::warn!(task = ?task, %error, "task failed; will retry");
            let message = error.to_string();
            persist("reschedule task", || {
                queue.fail(
                    worker,
                    raw,
                    job.clone(),
                    &message,
                    settings.max_attempts.max(10),
                    error.permanent,
                )
            })
            .await;
        }
    }
}

/// How often each pool asks its task runner what is due.
const SCHEDULE_EVERY: Duration = Duration::from_secs(30);

/// Moves due retries back to the queue and rescues the jobs of workers that died.
async fn maintain(queue: Queue, settings: WorkerSettings, mut shutdown: watch::Receiver<bool>) {
    let timeout_ms = settings.visibility_timeout.as_millis() as i64;
    let recover_every = (settings.visibility_timeout / 4).max(Duration::from_millis(250));
    let mut last_recovery = Instant::now() - recover_every;
    let mut last_schedule: Option<Instant> = None;
    while !*shutdown.borrow() {
        if let Some(runner) = &settings.tasks {
            if last_schedule.is_none_or(|at| at.elapsed() >= SCHEDULE_EVERY) {
                last_schedule = Some(Instant::now());
                runner.schedule(&queue).await;
            }
        }
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
