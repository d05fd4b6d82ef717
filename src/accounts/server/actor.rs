//! The acting user and what they may do: the one authorization layer every door shares (a
//! session cookie, a JWT and an API token all become an [`Actor`] with the same permissions).

use super::{Backend, User};
use crate::accounts::permission::Permission;
use crate::error::AppError;
use crate::state::AppState;
use axum_login::AuthzBackend;
use std::collections::HashSet;

/// How the acting user proved who they are on this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// Nobody is signed in.
    Anonymous,
    /// A browser session (cookie).
    Session,
    /// A JWT from the API's login or registration: its id, and when its password was checked
    /// (seconds since the epoch; refreshed JWTs keep the original time).
    Jwt { id: String, auth_time: u64 },
    /// A personal API token made on the account page.
    ApiToken { id: i64 },
}

/// The signed-in user and their permissions (empty for anonymous readers).
pub struct Actor {
    pub user: Option<User>,
    pub credential: Credential,
    pub permissions: HashSet<Permission>,
    /// `REQUIRE_VERIFIED_EMAIL`: rating and commenting wait for a confirmed address.
    pub must_verify: bool,
}

impl Actor {
    /// `user` (or nobody) with the permissions of their groups; staff hold every permission.
    pub async fn for_user(state: &AppState, user: Option<User>) -> Result<Self, AppError> {
        let permissions = match &user {
            Some(user) => {
                Backend::new(state.pool.clone())
                    .get_all_permissions(user)
                    .await?
            }
            None => HashSet::new(),
        };
        Ok(Actor {
            credential: if user.is_some() {
                Credential::Session
            } else {
                Credential::Anonymous
            },
            user,
            permissions,
            must_verify: state.config.require_verified_email,
        })
    }

    /// The same actor, signed in some other way than a cookie.
    pub fn with_credential(mut self, credential: Credential) -> Self {
        if self.user.is_some() {
            self.credential = credential;
        }
        self
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    pub fn id(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }

    pub fn is_staff(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.is_staff && u.is_active)
    }

    /// Authors (owner and co-authors) edit; staff moderators edit anything.
    pub fn can_edit(&self, author_ids: &[i64]) -> bool {
        self.id().is_some_and(|id| author_ids.contains(&id))
            || self.can(Permission::ModerateArticles)
    }

    /// Only the owner deletes (and manages co-authors); staff moderators too.
    pub fn can_manage(&self, owner_id: i64) -> bool {
        self.id() == Some(owner_id) || self.can(Permission::ModerateArticles)
    }

    /// A comment is deleted by its author or a moderator.
    pub fn can_delete_comment(&self, author_id: Option<i64>) -> bool {
        (self.id().is_some() && self.id() == author_id) || self.can(Permission::ModerateComments)
    }

    /// The signed-in user, or 401.
    pub fn signed_in(&self) -> Result<&User, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }

    /// 401 for anonymous, 403 for a signed-in user without the permission.
    pub fn require(&self, permission: Permission) -> Result<&User, AppError> {
        let user = self.signed_in()?;
        if self.can(permission) {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Staff only: 401 for anonymous, 403 for everyone else.
    pub fn require_staff(&self) -> Result<&User, AppError> {
        let user = self.signed_in()?;
        if self.is_staff() {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }
}
