//! The staff admin area at `/admin` (the Django admin's job): a dashboard, users (promote,
//! demote, activate, deactivate), groups and their permissions, story and comment
//! moderation, and the audit log of every admin action. Pages are server-rendered with
//! plain forms (no wasm); every query and action checks staff status on the server.

pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod server;
