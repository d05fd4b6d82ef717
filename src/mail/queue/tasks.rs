//! Tasks (work that queues e-mails, such as a newsletter's fan-out) and queueing each e-mail
//! at most once: the pieces that make a re-run fan-out harmless.

use super::{email_job, Job, Queue, Work, JOB_VERSION, QUEUED_TTL_SECS};
use crate::mail::Email;
use fred::prelude::*;
use serde::{Deserialize, Serialize};

/// Work that queues e-mails, run by a [`TaskRunner`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Task {
    /// A story was published for the first time: queue its e-mail to every subscriber.
    NewsletterFanout { article_id: i64 },
    /// Queue the weekly digests of the week that ended at `period` (Unix seconds).
    DigestFanout { period: i64 },
}

impl Task {
    /// The idempotency key: the same task is never queued twice at once.
    pub fn key(&self) -> String {
        match self {
            Task::NewsletterFanout { article_id } => format!("task-newsletter-{article_id}"),
            Task::DigestFanout { period } => format!("task-digest-{period}"),
        }
    }
}

/// How far a task got in one slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Done,
    /// Time is up and work is left: the job goes back to the queue for another slice.
    More,
}

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// What runs tasks (the subscriptions domain, given to the pool by `main`): the mail layer
/// knows the tasks' names, not what they do.
pub trait TaskRunner: Send + Sync {
    /// One slice of `task`, stopping at `deadline` with [`Progress::More`] if work is left.
    /// Must be idempotent: a slice may run again after a crash.
    fn run<'a>(
        &'a self,
        task: &'a Task,
        queue: &'a Queue,
        deadline: std::time::Instant,
    ) -> BoxFuture<'a, Result<Progress, crate::mail::MailError>>;

    /// Called by each pool's maintenance task about every minute: queue what is due (weekly
    /// digests, fan-outs whose job was lost). Several pools may call it at once.
    fn schedule<'a>(&'a self, queue: &'a Queue) -> BoxFuture<'a, ()>;
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignStats {
    pub sent: i64,
    pub failed: i64,
}

/// Queues each job whose marker is new. KEYS: ready, marker per job. ARGV: marker TTL (s),
/// then the raw jobs in the markers' order. Returns how many were queued.
const ENQUEUE_ONCE: &str = r#"
local queued = 0
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], 1, 'NX', 'EX', ARGV[1]) then
    redis.call('LPUSH', KEYS[1], ARGV[i])
    queued = queued + 1
  end
end
return queued
"#;

/// A task's slice is over and work is left: back to `ready`, in one step (never lost, never
/// twice), at the end workers take from: a fan-out keeps going before the e-mails it queued.
/// KEYS: inflight list, ready. ARGV: raw job.
const REQUEUE: &str = r#"
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[1])
end
return 1
"#;

impl Queue {
    /// Queues the e-mails whose keys were never queued before (within two weeks), in one
    /// round trip. Returns how many were queued.
    pub async fn enqueue_once(&self, emails: Vec<Email>) -> Result<i64, Error> {
        if emails.is_empty() {
            return Ok(0);
        }
        let mut keys = Vec::with_capacity(emails.len() + 1);
        let mut args = Vec::with_capacity(emails.len() + 1);
        keys.push(self.key("ready"));
        args.push(QUEUED_TTL_SECS.to_string());
        for email in emails {
            keys.push(self.key(&format!("queued:{}", email.key)));
            args.push(email_job(email)?);
        }
        self.redis.eval(ENQUEUE_ONCE, keys, args).await
    }

    /// Queues a task unless the same one was queued within `ttl_secs`. Returns whether it
    /// was queued.
    pub async fn enqueue_task_once(&self, task: Task, ttl_secs: i64) -> Result<bool, Error> {
        let key = task.key();
        let job = Job {
            v: JOB_VERSION,
            id: key.clone(),
            attempts: 0,
            work: Work::Task { task },
            last_error: None,
        };
        let raw = serde_json::to_string(&job)
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, e.to_string()))?;
        let queued: i64 = self
            .redis
            .eval(
                ENQUEUE_ONCE,
                vec![self.key("ready"), self.key(&format!("queued:{key}"))],
                vec![ttl_secs.to_string(), raw],
            )
            .await?;
        Ok(queued == 1)
    }

    /// A task slice that left work: the same job goes back to `ready`.
    pub async fn requeue(&self, worker: &str, raw: &str) -> Result<(), Error> {
        let _: i64 = self
            .redis
            .eval(
                REQUEUE,
                vec![self.inflight_key(worker), self.key("ready")],
                vec![raw.to_owned()],
            )
            .await?;
        Ok(())
    }

    /// Sent and failed (dead-lettered) e-mails of a campaign.
    pub async fn campaign(&self, name: &str) -> Result<CampaignStats, Error> {
        let counters: std::collections::HashMap<String, i64> = self
            .redis
            .hgetall(self.key(&format!("campaign:{name}")))
            .await?;
        let get = |name: &str| counters.get(name).copied().unwrap_or(0);
        Ok(CampaignStats {
            sent: get("sent"),
            failed: get("failed"),
        })
    }
}
