//! Subscriptions by e-mail: readers get a writer's (or every) new story in their inbox,
//! instantly or as a weekly digest. Double opt-in, one-click unsubscribe (RFC 8058), and
//! mailings queued by the mail workers so publishing never waits for them.

#[cfg(feature = "ssr")]
pub mod forms;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
