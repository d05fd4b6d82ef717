//! Hears other instances' invalidations (Redis pub/sub) and drops the same pages from this
//! instance's in-process tier. A connection of its own: a subscribed connection can do
//! nothing else.

use super::local::LocalPages;
use crate::redis::RedisPool;
use fred::prelude::*;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// One message: the scopes to drop, one per line.
pub fn encode(scopes: &[String]) -> String {
    scopes.join("\n")
}

fn decode(message: &str) -> Vec<String> {
    message.lines().map(str::to_owned).collect()
}

/// Runs until the process ends. The tier serves pages only between a successful SUBSCRIBE
/// and the next sign of trouble (a connection error, a reconnect, messages lost to lag).
pub async fn listen(redis: RedisPool, channel: String, local: Arc<LocalPages>) {
    let subscriber = match Builder::from_config(redis.next().client_config())
        .with_connection_config(|c| {
            c.connection_timeout = Duration::from_secs(3);
        })
        .set_policy(ReconnectPolicy::new_exponential(0, 100, 5_000, 2))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::warn!(%error, "page cache: no invalidation listener, in-process tier off");
            return;
        }
    };
    // Taken before connecting, so the first connection's event is seen too.
    let mut messages = subscriber.message_rx();
    let mut errors = subscriber.error_rx();
    let mut connections = subscriber.reconnect_rx();
    let _task = loop {
        match subscriber.init().await {
            Ok(task) => break task,
            Err(error) => {
                tracing::warn!(%error, "page cache: invalidation listener cannot connect yet");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    loop {
        tokio::select! {
            connected = connections.recv() => match connected {
                Ok(_) | Err(RecvError::Lagged(_)) => {
                    local.set_listening(false);
                    match subscriber.subscribe(&channel).await {
                        Ok(()) => local.set_listening(true),
                        Err(error) => tracing::warn!(%error, "page cache: cannot subscribe to invalidations"),
                    }
                }
                Err(RecvError::Closed) => break,
            },
            error = errors.recv() => match error {
                Ok(_) | Err(RecvError::Lagged(_)) => local.set_listening(false),
                Err(RecvError::Closed) => break,
            },
            message = messages.recv() => match message {
                Ok(message) => {
                    if let Some(text) = message.value.as_str() {
                        local.drop_scopes(&decode(&text));
                    }
                }
                // Messages were missed: what is held may be stale.
                Err(RecvError::Lagged(_)) => local.set_listening(local.listening()),
                Err(RecvError::Closed) => break,
            },
        }
    }
    local.set_listening(false);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_travel_one_per_line() {
        let scopes = vec!["article:lima".to_owned(), "lists".to_owned()];
        assert_eq!(decode(&encode(&scopes)), scopes);
    }
}
