//! Fixed-window counters in Redis, shared by every web process. Used to slow down password
//! guessing per account and per client address.

use crate::error::AppError;
use crate::redis::RedisPool;
use fred::prelude::*;

#[derive(Clone)]
pub struct Limit {
    pub max: u64,
    pub window_secs: u64,
}

impl Limit {
    pub fn per_minute(max: u64) -> Self {
        Limit {
            max,
            window_secs: 60,
        }
    }

    pub fn per_hour(max: u64) -> Self {
        Limit {
            max,
            window_secs: 3600,
        }
    }
}

/// Gives back one event of the window (a successful login is not an attempt to hold against
/// anyone); never below zero.
pub async fn give_back(redis: &RedisPool, key: &str) -> Result<(), AppError> {
    let left: i64 = redis.decr(key).await?;
    if left < 0 {
        let _: () = redis.del(key).await?;
    }
    Ok(())
}

pub async fn reset(redis: &RedisPool, key: &str) -> Result<(), AppError> {
    let _: () = redis.del(key).await?;
    Ok(())
}

/// Counts one event and refuses it when the window already holds `limit.max` (a quota, such
/// as the API's requests per minute).
pub async fn take(redis: &RedisPool, key: &str, limit: &Limit) -> Result<(), AppError> {
    let (events, ttl) = count(redis, key, limit).await?;
    if events > limit.max {
        return Err(AppError::RateLimited {
            retry_after_secs: u64::try_from(ttl).unwrap_or(limit.window_secs).max(1),
        });
    }
    Ok(())
}

/// One more event in `key`'s window (started by its first event): the count so far and the
/// seconds left in the window, in one round trip.
async fn count(redis: &RedisPool, key: &str, limit: &Limit) -> Result<(u64, i64), AppError> {
    let trx = redis.next().multi();
    let _: () = trx.incr(key).await?;
    let _: () = trx
        .expire(
            key,
            limit.window_secs as i64,
            Some(fred::types::ExpireOptions::NX),
        )
        .await?;
    let _: () = trx.ttl(key).await?;
    let (events, _, ttl): (u64, i64, i64) = trx.exec(true).await?;
    Ok((events, ttl))
}
