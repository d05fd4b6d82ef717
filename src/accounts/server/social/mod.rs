//! Social sign-in routes and the linking rules.
//!
//! - `GET /auth/{provider}/start?next=` — sign in (or sign up) with a provider.
//! - `POST /auth/{provider}/link` — a signed-in user links a provider (account page).
//! - `POST /auth/{provider}/unlink` — removes a link, unless it is the last way in.
//! - `GET /auth/{provider}/callback` — the provider's answer: `state` must match the one
//!   kept in the session (which is then removed: a replayed callback finds nothing).
//!
//! Rules: a known provider identity signs its user in. A new one creates a traveller —
//! unless an account already has the provider's verified e-mail: then it is linked only
//! after the person logs in to that account with its password (proof of ownership), never
//! silently. X gives no e-mail, so a new X user is asked for one, which is then verified.

mod handlers;
mod links;
mod pending;

pub use handlers::{callback, link, start, unlink, CallbackQuery, StartQuery};
pub use links::{
    create_social_user, link_identity, linked_user, sign_in_methods, unlink_identity,
    username_base, Created, LinkOutcome, UnlinkOutcome,
};
pub use pending::{
    forget_pending, link_pending_after_login, log_in, pending_identity, PENDING_KEY,
};
