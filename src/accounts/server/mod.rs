//! Server-only account code: the commands, queries, the axum-login backend, passwords and
//! rate limits, and the actor (who is acting, with which permissions) every door shares.

pub mod actor;
pub mod api_tokens;
pub mod backend;
pub mod credentials;
pub mod emails;
pub mod follows;
pub mod oauth;
pub mod password;
pub mod profile;
pub mod rate_limit;
pub mod registration;
pub mod repo;
pub mod sign_in;
pub mod social;
pub mod tokens;
mod user;

pub use actor::{Actor, Credential};
pub use backend::{AuthSession, Backend, Credentials};
pub use repo::User;
