//! Jobs queued by versions before the Redis Cluster hash tag.

use super::Queue;
use fred::prelude::*;
use fred::types::lists::LMoveDirection;

impl Queue {
    /// Moves jobs queued under the keys of earlier versions (no hash tag) to today's keys:
    /// ready, delayed and dead jobs, and what their workers held. Those keys only exist on
    /// the single Redis server those versions ran on, so the two-key moves are safe there; on
    /// a cluster the first checks find nothing. Returns how many jobs moved.
    pub async fn adopt_legacy_jobs(&self) -> Result<i64, Error> {
        let legacy = |name: &str| format!("{}:{name}", self.legacy_prefix);
        let mut moved = 0;
        for name in ["ready", "dead"] {
            if self.redis.exists::<i64, _>(legacy(name)).await? == 0 {
                continue;
            }
            while self
                .redis
                .lmove::<Option<String>, _, _>(
                    legacy(name),
                    self.key(name),
                    LMoveDirection::Right,
                    LMoveDirection::Left,
                )
                .await?
                .is_some()
            {
                moved += 1;
            }
        }
        if self.redis.exists::<i64, _>(legacy("delayed")).await? > 0 {
            let due: Vec<(String, f64)> = self
                .redis
                .zrange(legacy("delayed"), 0, -1, None, false, None, true)
                .await?;
            for (job, at) in due {
                let _: i64 = self
                    .redis
                    .zadd(
                        self.key("delayed"),
                        None,
                        None,
                        false,
                        false,
                        (at, job.as_str()),
                    )
                    .await?;
                let _: i64 = self.redis.zrem(legacy("delayed"), job).await?;
                moved += 1;
            }
        }
        if self.redis.exists::<i64, _>(legacy("workers")).await? > 0 {
            let workers: Vec<String> = self
                .redis
                .zrange(legacy("workers"), 0, -1, None, false, None, false)
                .await?;
            for worker in workers {
                let held = legacy(&format!("inflight:{worker}"));
                while self
                    .redis
                    .lmove::<Option<String>, _, _>(
                        &held,
                        self.key("ready"),
                        LMoveDirection::Right,
                        LMoveDirection::Left,
                    )
                    .await?
                    .is_some()
                {
                    moved += 1;
                }
                let _: i64 = self.redis.zrem(legacy("workers"), worker).await?;
            }
        }
        if moved > 0 {
            tracing::info!(
                jobs = moved,
                "adopted mail jobs queued by an earlier version"
            );
        }
        Ok(moved)
    }
}
