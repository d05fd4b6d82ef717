//! A durable job queue on Redis lists, with at-least-once delivery.
//!
//! - `ready` (list): new jobs are `LPUSH`ed (O(1)); workers take from the other end.
//! - `inflight:<worker>` (list): a worker `LMOVE`s a job here atomically before working on it
//!   and removes it (`LREM`) only after the send succeeded, so a crash never loses a job.
//! - `workers` (sorted set): each worker's last heartbeat. Jobs held by a worker silent for
//!   longer than the visibility timeout go back to `ready`.
//! - `delayed` (sorted set by due time): failed jobs waiting for their retry (exponential
//!   backoff with jitter); moved back to `ready` when due.
//! - `dead` (list): jobs that failed `max_attempts` times, with their last error.
//! - `sent:<key>` (string with a TTL): set after a successful send; a job redelivered after
//!   that is acknowledged without sending again.
//! - `stats` (hash): counters shown in `/healthz`.
//! - `queued:<key>` (string with a TTL): set when a job is queued with [`Queue::enqueue_once`];
//!   queueing the same key again is a no-op, so a fan-out that is re-run after a crash never
//!   queues anyone twice.
//! - `campaign:<name>` (hash): sent and failed e-mails of one mailing (a story's newsletter).
//!
//! A job is an e-mail or a [`Task`]: work that queues e-mails (a newsletter's fan-out), run
//! by the [`TaskRunner`] the worker pool was given, in slices that re-queue themselves.
//!
//! Every key is `{<REDIS_PREFIX>:mail}:<name>`: the braces are a Redis Cluster hash tag, so all
//! of them live in one slot and the multi-key `LMOVE`s and scripts run on a cluster unchanged.
//! Jobs left under the keys of earlier versions (`<prefix>:mail:<name>`) are adopted by the
//! workers' maintenance task.

mod legacy;
mod tasks;

pub use tasks::{CampaignStats, Progress, Task, TaskRunner};

use super::Email;
use crate::redis::RedisPool;
use fred::prelude::*;
use fred::types::lists::LMoveDirection;
use serde::{Deserialize, Serialize};

/// Jobs are versioned JSON: a newer worker can still read what an older web process queued.
/// E-mail jobs are version 1 (unchanged since the first release); tasks are version 2.
pub const JOB_VERSION: u32 = 2;
const EMAIL_JOB_VERSION: u32 = 1;
/// How long a sent e-mail is remembered for de-duplication.
const SENT_TTL_SECS: i64 = 7 * 24 * 3600;
/// How long `enqueue_once` remembers a key: longer than any fan-out can be re-run.
const QUEUED_TTL_SECS: i64 = 14 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub v: u32,
    pub id: String,
    pub attempts: u32,
    #[serde(flatten)]
    pub work: Work,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Work {
    Email { email: Email },
    Task { task: Task },
}

#[derive(Clone)]
pub struct Queue {
    redis: RedisPool,
    /// `{<prefix>:mail}`: one hash tag for every key.
    prefix: String,
    /// `<prefix>:mail`: how versions before the hash tag named the keys.
    legacy_prefix: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    pub ready: i64,
    pub delayed: i64,
    pub in_flight: i64,
    pub dead: i64,
    pub sent: i64,
    pub retried: i64,
    pub duplicates_skipped: i64,
}

/// Moves due retries back to `ready`. KEYS: delayed, ready. ARGV: now (ms).
const PROMOTE_DUE: &str = r#"
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 500)
for _, job in ipairs(due) do
  redis.call('ZREM', KEYS[1], job)
  redis.call('LPUSH', KEYS[2], job)
end
return #due
"#;

/// Returns every job of a worker's in-flight list to `ready` and forgets the worker.
/// KEYS: inflight list, ready, workers. ARGV: worker id.
const RETURN_IN_FLIGHT: &str = r#"
local moved = 0
while redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'RIGHT') do
  moved = moved + 1
end
redis.call('ZREM', KEYS[3], ARGV[1])
return moved
"#;

/// Acknowledges a sent job: remembered as sent, counted (with its campaign), out of
/// in-flight, in one step.
/// KEYS: sent marker, stats, inflight list, campaign. ARGV: raw job, marker TTL (s), "1" if
/// the e-mail belongs to the campaign.
const ACK_SENT: &str = r#"
redis.call('SET', KEYS[1], 1, 'EX', ARGV[2])
redis.call('HINCRBY', KEYS[2], 'sent', 1)
if ARGV[3] == '1' then redis.call('HINCRBY', KEYS[4], 'sent', 1) end
redis.call('LREM', KEYS[3], 1, ARGV[1])
return 1
"#;

/// Acknowledges a failed job: out of in-flight, into `delayed` (retry) or `dead`.
/// KEYS: inflight list, delayed, dead, stats, campaign. ARGV: raw job, new job, due (ms) or
/// "dead", "1" if the e-mail belongs to the campaign.
const RESCHEDULE: &str = r#"
redis.call('LREM', KEYS[1], 1, ARGV[1])
if ARGV[3] == 'dead' then
  redis.call('LPUSH', KEYS[3], ARGV[2])
  redis.call('HINCRBY', KEYS[4], 'dead_lettered', 1)
  if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[5], 'failed', 1) end
else
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
  redis.call('HINCRBY', KEYS[4], 'retried', 1)
end
return 1
"#;

pub fn now_ms() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
}

impl Queue {
    pub fn new(redis: RedisPool, prefix: &str) -> Self {
        Queue {
            redis,
            prefix: format!("{{{prefix}:mail}}"),
            legacy_prefix: format!("{prefix}:mail"),
        }
    }

    fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    pub fn inflight_key(&self, worker: &str) -> String {
        self.key(&format!("inflight:{worker}"))
    }

    /// Queues an e-mail: one `LPUSH`. Returns the job id.
    pub async fn enqueue(&self, email: Email) -> Result<String, Error> {
        let id = email.key.clone();
        let raw = email_job(email)?;
        let _: i64 = self.redis.lpush(self.key("ready"), raw).await?;
        Ok(id)
    }

    fn campaign_key(&self, email: Option<&Email>) -> (String, &'static str) {
        match email.and_then(|e| e.campaign.as_deref()) {
            Some(name) => (self.key(&format!("campaign:{name}")), "1"),
            None => (self.key("stats"), "0"),
        }
    }

    /// Takes the oldest ready job into `worker`'s in-flight list (atomically).
    pub async fn take(&self, worker: &str) -> Result<Option<String>, Error> {
        self.redis
            .lmove(
                self.key("ready"),
                self.inflight_key(worker),
                LMoveDirection::Right,
                LMoveDirection::Left,
            )
            .await
    }

    /// Done with a job: it leaves the in-flight list.
    pub async fn ack(&self, worker: &str, raw: &str) -> Result<(), Error> {
        let _: i64 = self.redis.lrem(self.inflight_key(worker), 1, raw).await?;
        Ok(())
    }

    /// A failed attempt: retry later (backoff) or, after the last attempt, dead-letter it.
    pub async fn fail(
        &self,
        worker: &str,
        raw: &str,
        mut job: Job,
        error: &str,
        max_attempts: u32,
        permanent: bool,
    ) -> Result<(), Error> {
        job.attempts += 1;
        job.last_error = Some(error.chars().take(500).collect());
        let dead = permanent || job.attempts >= max_attempts;
        let (campaign, in_campaign) = self.campaign_key(job.email());
        let due = if dead {
            "dead".to_owned()
        } else {
            (now_ms() + backoff_ms(job.attempts)).to_string()
        };
        let updated = serde_json::to_string(&job)
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, e.to_string()))?;
        let _: i64 = self
            .redis
            .eval(
                RESCHEDULE,
                vec![
                    self.inflight_key(worker),
                    self.key("delayed"),
                    self.key("dead"),
                    self.key("stats"),
                    campaign,
                ],
                vec![raw.to_owned(), updated, due, in_campaign.to_owned()],
            )
            .await?;
        Ok(())
    }

    pub async fn already_sent(&self, key: &str) -> Result<bool, Error> {
        let exists: i64 = self.redis.exists(self.key(&format!("sent:{key}"))).await?;
        Ok(exists > 0)
    }

    /// The e-mail was sent: remember it (a redelivery is then skipped) and let it go.
    pub async fn ack_sent(&self, worker: &str, email: &Email, raw: &str) -> Result<(), Error> {
        let (campaign, in_campaign) = self.campaign_key(Some(email));
        let _: i64 = self
            .redis
            .eval(
                ACK_SENT,
                vec![
                    self.key(&format!("sent:{}", email.key)),
                    self.key("stats"),
                    self.inflight_key(worker),
                    campaign,
                ],
                vec![
                    raw.to_owned(),
                    SENT_TTL_SECS.to_string(),
                    in_campaign.to_owned(),
                ],
            )
            .await?;
        Ok(())
    }

    pub async fn count(&self, field: &str) -> Result<(), Error> {
        let _: i64 = self.redis.hincrby(self.key("stats"), field, 1).await?;
        Ok(())
    }

    pub async fn heartbeat(&self, worker: &str) -> Result<(), Error> {
        let _: i64 = self
            .redis
            .zadd(
                self.key("workers"),
                None,
                None,
                false,
                false,
                (now_ms() as f64, worker),
            )
            .await?;
        Ok(())
    }

    /// Moves due retries to `ready`; returns how many.
    pub async fn promote_due(&self) -> Result<i64, Error> {
        self.redis
            .eval(
                PROMOTE_DUE,
                vec![self.key("delayed"), self.key("ready")],
                vec![now_ms().to_string()],
            )
            .await
    }

    /// Gives a worker's in-flight jobs back to the queue (on shutdown, or for a dead worker).
    pub async fn return_in_flight(&self, worker: &str) -> Result<i64, Error> {
        self.redis
            .eval(
                RETURN_IN_FLIGHT,
                vec![
                    self.inflight_key(worker),
                    self.key("ready"),
                    self.key("workers"),
                ],
                vec![worker.to_owned()],
            )
            .await
    }

    /// Requeues the jobs of workers silent for longer than `timeout_ms`; returns how many.
    pub async fn recover_stalled(&self, timeout_ms: i64) -> Result<i64, Error> {
        let stalled: Vec<String> = self
            .redis
            .zrangebyscore(
                self.key("workers"),
                f64::NEG_INFINITY,
                (now_ms() - timeout_ms) as f64,
                false,
                None,
            )
            .await?;
        let mut moved = 0;
        for worker in stalled {
            let n = self.return_in_flight(&worker).await?;
            if n > 0 {
                tracing::warn!(
                    worker,
                    jobs = n,
                    "requeued the jobs of a silent mail worker"
                );
            }
            moved += n;
        }
        Ok(moved)
    }

    pub async fn stats(&self) -> Result<QueueStats, Error> {
        let ready: i64 = self.redis.llen(self.key("ready")).await?;
        let delayed: i64 = self.redis.zcard(self.key("delayed")).await?;
        let dead: i64 = self.redis.llen(self.key("dead")).await?;
        let workers: Vec<String> = self
            .redis
            .zrange(self.key("workers"), 0, -1, None, false, None, false)
            .await?;
        let mut in_flight = 0;
        for worker in workers {
            let n: i64 = self.redis.llen(self.inflight_key(&worker)).await?;
            in_flight += n;
        }
        let counters: std::collections::HashMap<String, i64> =
            self.redis.hgetall(self.key("stats")).await?;
        let get = |name: &str| counters.get(name).copied().unwrap_or(0);
        Ok(QueueStats {
            ready,
            delayed,
            in_flight,
            dead,
            sent: get("sent"),
            retried: get("retried"),
            duplicates_skipped: get("duplicates_skipped"),
        })
    }

    /// Dead-lettered jobs (newest first), for the admin and for tests.
    pub async fn dead_jobs(&self) -> Result<Vec<Job>, Error> {
        let raw: Vec<String> = self.redis.lrange(self.key("dead"), 0, 99).await?;
        Ok(raw
            .iter()
            .filter_map(|r| serde_json::from_str(r).ok())
            .collect())
    }
}

fn email_job(email: Email) -> Result<String, Error> {
    let job = Job {
        v: EMAIL_JOB_VERSION,
        id: email.key.clone(),
        attempts: 0,
        work: Work::Email { email },
        last_error: None,
    };
    serde_json::to_string(&job).map_err(|e| Error::new(ErrorKind::InvalidArgument, e.to_string()))
}

impl Job {
    pub fn email(&self) -> Option<&Email> {
        match &self.work {
            Work::Email { email } => Some(email),
            Work::Task { .. } => None,
        }
    }
}

/// Exponential backoff with full jitter: attempt n waits up to 2^n seconds (capped at 10 min).
pub fn backoff_ms(attempt: u32) -> i64 {
    use rand::Rng;
    let cap = 1000_i64.saturating_mul(1 << attempt.min(10)).min(600_000);
    rand::thread_rng().gen_range(cap / 2..=cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for _ in 0..100 {
            let first = backoff_ms(1);
            assert!((1000..=2000).contains(&first), "{first}");
            let late = backoff_ms(30);
            assert!((300_000..=600_000).contains(&late), "{late}");
        }
    }

    #[test]
    fn jobs_round_trip_as_versioned_json() {
        let job = Job {
            v: EMAIL_JOB_VERSION,
            id: "k1".into(),
            attempts: 2,
            work: Work::Email {
                email: Email {
                    key: "k1".into(),
                    to: "ana@example.com".into(),
                    subject: "Hi".into(),
                    text: "t".into(),
                    html: "<p>t</p>".into(),
                    ..Email::default()
                },
            },
            last_error: None,
        };
        let raw = serde_json::to_string(&job).unwrap();
        assert!(raw.starts_with(r#"{"v":1,"#));
        assert_eq!(serde_json::from_str::<Job>(&raw).unwrap(), job);
        // What the first release queued still reads.
        let old = r#"{"v":1,"id":"k1","attempts":2,"email":{"key":"k1","to":"ana@example.com","subject":"Hi","text":"t","html":"<p>t</p>"}}"#;
        assert_eq!(serde_json::from_str::<Job>(old).unwrap(), job);
        let task = Job {
            v: JOB_VERSION,
            id: "t".into(),
            attempts: 0,
            work: Work::Task {
                task: Task::NewsletterFanout { article_id: 7 },
            },
            last_error: None,
        };
        let raw = serde_json::to_string(&task).unwrap();
        assert!(
            raw.contains(r#""task":{"kind":"newsletter_fanout","article_id":7}"#),
            "{raw}"
        );
        assert_eq!(serde_json::from_str::<Job>(&raw).unwrap(), task);
    }
}
