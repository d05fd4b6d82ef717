//! Accounts: sign-up, log in/out, the signed-in user, settings and author profiles.
//! Pages and their server functions live together; queries and auth plumbing are in `server`.

pub mod account;
pub mod api_tokens;
pub mod email_links;
pub mod login;
pub mod model;
pub mod permission;
pub mod profile;
pub mod rules;
pub mod session;
pub mod signup;
pub mod social;

#[cfg(feature = "ssr")]
pub mod server;

pub use model::CurrentUser;
pub use permission::Permission;
pub use session::{use_current_user, CurrentUserResource};
