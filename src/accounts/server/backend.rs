//! axum-login backend: authentication by e-mail/username + password, authorization by the
//! permissions of the user's groups (staff hold them all).

use super::password;
use super::repo::{self, User};
use crate::accounts::permission::Permission;
use axum_login::{AuthUser, AuthnBackend, AuthzBackend, UserId};
use sqlx::PgPool;
use std::collections::HashSet;

impl AuthUser for User {
    type Id = i64;

    fn id(&self) -> i64 {
        self.id
    }

    /// Derived from the password hash: changing the password ends every other session.
    fn session_auth_hash(&self) -> &[u8] {
        self.password_hash.as_deref().unwrap_or("").as_bytes()
    }
}

#[derive(Clone)]
pub struct Credentials {
    /// An e-mail address or a username.
    pub login: String,
    pub password: String,
}

#[derive(Debug, Clone)]
pub struct Backend {
    pool: PgPool,
}

impl Backend {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    App(#[from] crate::error::AppError),
}

impl From<BackendError> for crate::error::AppError {
    fn from(error: BackendError) -> Self {
        match error {
            BackendError::Database(e) => e.into(),
            BackendError::App(e) => e,
        }
    }
}

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = Credentials;
    type Error = BackendError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<User>, BackendError> {
        let user = repo::find_by_login(&self.pool, creds.login.trim()).await?;
        // Verify against a dummy hash when there is no such account, so response time does
        // not reveal which e-mail addresses are registered.
        let stored = user
            .as_ref()
            .and_then(|u| u.password_hash.clone())
            .unwrap_or_else(|| password::dummy_hash().to_owned());
        let upgrade = password::needs_rehash(&stored);
        let matches = password::verify(creds.password.clone(), stored).await?;
        let Some(mut user) = user.filter(|u| matches && u.is_active && u.password_hash.is_some())
        else {
            return Ok(None);
        };
        if upgrade {
            // An imported Django hash: replace it with argon2 now that we know the password.
            let rehashed = password::hash(creds.password).await?;
            repo::set_password(&self.pool, user.id, &rehashed).await?;
            tracing::info!(
                user_id = user.id,
                "upgraded an imported password hash to argon2"
            );
            user.password_hash = Some(rehashed);
        }
        Ok(Some(user))
    }

    /// Inactive users are treated as gone: deactivation ends their sessions at the next request.
    /// Runs on every request with a session. A database restart must not fail a signed-in
    /// reader's page (axum-login answers a bare 500 to an error here): a lost connection is
    /// retried a few times, about 1.5 s in all, while the pool reconnects.
    async fn get_user(&self, user_id: &UserId<Self>) -> Result<Option<User>, BackendError> {
        let mut wait = std::time::Duration::from_millis(100);
        loop {
            match repo::find_by_id(&self.pool, *user_id).await {
                Ok(user) => return Ok(user.filter(|u| u.is_active)),
                Err(error)
                    if crate::error::database_unavailable(&error)
                        && wait <= std::time::Duration::from_millis(800) =>
                {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }
}

impl AuthzBackend for Backend {
    type Permission = Permission;

    async fn get_group_permissions(
        &self,
        user: &User,
    ) -> Result<HashSet<Permission>, BackendError> {
        Ok(user
            .permissions
            .iter()
            .filter_map(|name| Permission::from_codename(name))
            .collect())
    }
}

pub type AuthSession = axum_login::AuthSession<Backend>;
