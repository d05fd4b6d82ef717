//! The signed-in user as the server-rendered page chrome sees it.

use super::model::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/sfn", endpoint = "current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::request::auth_session;
    let auth = auth_session().await?;
    let Some(user) = auth.user else {
        return Ok(None);
    };
    // Permissions and name come with the user axum-login loaded for this request: no query.
    let permissions = user
        .permissions
        .iter()
        .filter_map(|name| super::Permission::from_codename(name))
        .collect();
    Ok(Some(CurrentUser {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
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
