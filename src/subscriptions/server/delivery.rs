//! Mailings, run by the mail workers as tasks: a story's first publication fans out to its
//! subscribers, and the weekly digest to those who chose it.
//!
//! Exactly once per subscriber, whatever crashes: a fan-out walks the subscribers in id order
//! in batches; each batch's e-mails are queued with `enqueue_once` (a key per subscriber and
//! mailing) while the mailing's row is locked, and the cursor moves in the same transaction.
//! A worker killed between the two re-runs the batch, whose e-mails are already queued: no
//! one gets two, no one is skipped. Two workers on the same mailing wait for each other's
//! lock. A slice stops after its deadline and the task re-queues itself, so a 10,000-reader
//! mailing never outlives a worker's heartbeat.

use super::emails;
use super::repo;
use crate::config::DigestSchedule;
use crate::mail::queue::{Progress, Queue, Task, TaskRunner};
use crate::mail::MailError;
use sqlx::PgPool;
use std::collections::HashMap;
use std::time::Instant;
use time::OffsetDateTime;

/// Subscribers per batch (one transaction, one Redis round trip).
const BATCH: i64 = 500;
/// How long the "this task is queued" marker keeps a second copy out.
const TASK_MARKER_SECS: i64 = 600;
/// A digest missed at its hour (the service was down) still goes out within this long.
const DIGEST_CATCH_UP: time::Duration = time::Duration::hours(24);

#[derive(Clone)]
pub struct Deliveries {
    pool: PgPool,
    site_url: String,
    digest: DigestSchedule,
}

fn transient(error: impl std::fmt::Display) -> MailError {
    MailError::transient(error.to_string())
}

impl Deliveries {
    pub fn new(pool: PgPool, site_url: &str, digest: DigestSchedule) -> Self {
        Deliveries {
            pool,
            site_url: site_url.to_owned(),
            digest,
        }
    }

    /// Queues the e-mails of a first publication, batch by batch, until done or `deadline`.
    pub async fn newsletter(
        &self,
        queue: &Queue,
        article_id: i64,
        deadline: Instant,
    ) -> Result<Progress, MailError> {
        // Unpublished or deleted meanwhile: the rest of the mailing is dropped.
        let story = repo::mailed_stories(&self.pool, &[article_id])
            .await
            .map_err(transient)?
            .pop();
        loop {
            let mut tx = self.pool.begin().await.map_err(transient)?;
            let Some(progress) = repo::lock_issue(&mut tx, article_id)
                .await
                .map_err(transient)?
            else {
                return Ok(Progress::Done);
            };
            if progress.finished {
                return Ok(Progress::Done);
            }
            let batch = match &story {
                Some(_) => repo::instant_recipients(&mut tx, article_id, progress.cursor, BATCH)
                    .await
                    .map_err(transient)?,
                None => Vec::new(),
            };
            let finished = (batch.len() as i64) < BATCH;
            let cursor = batch.last().map_or(progress.cursor, |r| r.id);
            if let Some(story) = &story {
                let mails = batch
                    .iter()
                    .map(|r| emails::new_story(story, r, &self.site_url))
                    .collect();
                queue.enqueue_once(mails).await.map_err(transient)?;
            }
            repo::advance_issue(&mut tx, article_id, cursor, batch.len() as i32, finished)
                .await
                .map_err(transient)?;
            tx.commit().await.map_err(transient)?;
            if finished {
                tracing::info!(article_id, "story mailing queued");
                return Ok(Progress::Done);
            }
            if Instant::now() >= deadline {
                return Ok(Progress::More);
            }
        }
    }

    /// Queues the digests of the week before `period`, batch by batch.
    pub async fn digest(
        &self,
        queue: &Queue,
        period: OffsetDateTime,
        deadline: Instant,
    ) -> Result<Progress, MailError> {
        let from = period - time::Duration::days(7);
        let week_of = format!("{} {} {}", from.day(), from.month(), from.year());
        loop {
            let mut tx = self.pool.begin().await.map_err(transient)?;
            let Some(progress) = repo::lock_digest(&mut tx, period)
                .await
                .map_err(transient)?
            else {
                return Ok(Progress::Done);
            };
            if progress.finished {
                return Ok(Progress::Done);
            }
            let batch = repo::digest_recipients(&mut tx, from, period, progress.cursor, BATCH)
                .await
                .map_err(transient)?;
            let finished = (batch.len() as i64) < BATCH;
            let cursor = batch.last().map_or(progress.cursor, |r| r.id);
            let mut ids: Vec<i64> = batch.iter().flat_map(|r| r.article_ids.clone()).collect();
            ids.sort_unstable();
            ids.dedup();
            let stories: HashMap<i64, repo::MailedStory> = repo::mailed_stories(&mut *tx, &ids)
                .await
                .map_err(transient)?
                .into_iter()
                .map(|s| (s.id, s))
                .collect();
            let mut mails = Vec::new();
            for recipient in &batch {
                let theirs: Vec<&repo::MailedStory> = recipient
                    .article_ids
                    .iter()
                    .filter_map(|id| stories.get(id))
                    .collect();
                if theirs.is_empty() {
                    continue; // nothing new for them this week: no e-mail
                }
                let to = repo::Recipient {
                    id: recipient.id,
                    email: recipient.email.clone(),
                    token: recipient.token.clone(),
                };
                mails.push(emails::digest(
                    period.unix_timestamp(),
                    &week_of,
                    &theirs,
                    &to,
                    &self.site_url,
                ));
            }
            let queued = mails.len() as i32;
            queue.enqueue_once(mails).await.map_err(transient)?;
            repo::advance_digest(&mut tx, period, cursor, queued, finished)
                .await
                .map_err(transient)?;
            tx.commit().await.map_err(transient)?;
            if finished {
                tracing::info!(%period, "weekly digest queued");
                return Ok(Progress::Done);
            }
            if Instant::now() >= deadline {
                return Ok(Progress::More);
            }
        }
    }

    /// What is due at `now`: this week's digest (started once, whoever asks first) and any
    /// mailing whose task was lost. Safe to call from every worker of every instance.
    pub async fn schedule_at(&self, queue: &Queue, now: OffsetDateTime) -> Result<(), MailError> {
        let period = self.digest.latest(now);
        if now - period < DIGEST_CATCH_UP
            && repo::start_digest(&self.pool, period)
                .await
                .map_err(transient)?
        {
            tracing::info!(%period, "weekly digest started");
            start_digest_task(queue, period).await?;
        }
        for period in repo::unfinished_digests(&self.pool)
            .await
            .map_err(transient)?
        {
            start_digest_task(queue, period).await?;
        }
        for article_id in repo::unfinished_issues(&self.pool)
            .await
            .map_err(transient)?
        {
            queue
                .enqueue_task_once(Task::NewsletterFanout { article_id }, TASK_MARKER_SECS)
                .await
                .map_err(transient)?;
        }
        Ok(())
    }
}

async fn start_digest_task(queue: &Queue, period: OffsetDateTime) -> Result<(), MailError> {
    queue
        .enqueue_task_once(
            Task::DigestFanout {
                period: period.unix_timestamp(),
            },
            TASK_MARKER_SECS,
        )
        .await
        .map_err(transient)?;
    Ok(())
}

/// Queues a first publication's fan-out (right after the publishing transaction). If Redis
/// can't take it now, the workers' schedule finds the unfinished mailing a minute later.
pub async fn start_newsletter(queue: &Queue, article_id: i64) {
    if let Err(error) = queue
        .enqueue_task_once(Task::NewsletterFanout { article_id }, TASK_MARKER_SECS)
        .await
    {
        tracing::warn!(%error, article_id, "could not queue the story's mailing yet; the workers will");
    }
}

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

impl TaskRunner for Deliveries {
    fn run<'a>(
        &'a self,
        task: &'a Task,
        queue: &'a Queue,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Progress, MailError>> {
        Box::pin(async move {
            match task {
                Task::NewsletterFanout { article_id } => {
                    self.newsletter(queue, *article_id, deadline).await
                }
                Task::DigestFanout { period } => {
                    let period = OffsetDateTime::from_unix_timestamp(*period)
                        .map_err(|e| MailError::permanent(format!("digest period: {e}")))?;
                    self.digest(queue, period, deadline).await
                }
            }
        })
    }

    fn schedule<'a>(&'a self, queue: &'a Queue) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Err(error) = self.schedule_at(queue, OffsetDateTime::now_utc()).await {
                tracing::warn!(%error, "could not check for due mailings");
            }
        })
    }
}
