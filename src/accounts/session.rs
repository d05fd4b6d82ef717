//! The signed-in user as the server-rendered page chrome sees it.

use super::model::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/sfn", endpoint = "current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    use super::server::repo;
    use crate::request::{app_state, auth_session};
    let auth = auth_session().await?;
    let Some(user) = auth.user else {
        return Ok(None);
    };
    let state = app_state()?;
    let permissions = repo::permissions(&state.pool, &user)
        .await?
        .iter()
        .filter_map(|name| super::Permission::from_codename(name))
        .collect();
    let display_name = repo::own_profile(&state.pool, user.id).await?.display_name;
    Ok(Some(CurrentUser {
        id: user.id,
        username: user.username,
        display_name,
        is_staff: user.is_staff,
        permissions,
    }))
}

#[derive(Clone, Copy)]
pub struct CurrentUserResource(pub Resource<Result<Option<CurrentUser>, AppError>>);

/// Creates the shared resource; call once, at the top of `App`.
pub fn provide_current_user() {
    let resource = Resource::new_blocking(|| (), |_| get_current_user());
    provide_context(CurrentUserResource(resource));
}

pub fn use_current_user() -> CurrentUserResource {
    expect_context::<CurrentUserResource>()
}
