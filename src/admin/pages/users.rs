//! `/admin/users`: find accounts, act on them, edit one.

use super::{action_button, admin_error, pager, AdminFrame};
#[cfg(feature = "ssr")]
use super::{parse_page, staff_state};
use crate::admin::model::*;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

#[server(prefix = "/sfn", endpoint = "admin_users")]
pub async fn admin_users(
    q: Option<String>,
    page: Option<String>,
) -> Result<Paged<AdminUser>, AppError> {
    async {
        let state = staff_state().await?;
        crate::admin::server::users(&state.pool, q.as_deref().unwrap_or(""), parse_page(page)?)
            .await
    }
    .await
    .map_err(AppError::with_status)
}

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let query = use_query_map();
    let args = move || (query.read().get("q"), query.read().get("page"));
    let data = Resource::new_blocking(args, |(q, page)| admin_users(q, page));
    let q = move || query.read().get("q").unwrap_or_default();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(users) => view! {
                        <AdminFrame current="/admin/users" title="Users">
                            <form class="admin-search" method="get" action="/admin/users" role="search">
                                <label for="admin-user-search">"Search users"</label>
                                <input id="admin-user-search" type="search" name="q" value=q() placeholder="Username, e-mail or name"/>
                                <button type="submit" class="button button--small">"Search"</button>
                            </form>
                            <p class="hint">{crate::wording::count(users.total, "user", "users")}</p>
                            <div class="table-scroll">
                                <table class="admin-table">
                                    <caption class="visually-hidden">"Users, newest first"</caption>
                                    <thead><tr>
                                        <th scope="col">"User"</th><th scope="col">"E-mail"</th><th scope="col">"Role"</th>
                                        <th scope="col">"Status"</th><th scope="col">"Joined"</th><th scope="col">"Actions"</th>
                                    </tr></thead>
                                    <tbody>
                                        {users.items.into_iter().map(|u| {
                                            let role = if u.is_staff { "staff" } else if u.is_writer { "writer" } else { "traveller" };
                                            let status = match (u.is_active, u.email_verified) {
                                                (false, _) => "deactivated",
                                                (true, true) => "active",
                                                (true, false) => "active, e-mail unconfirmed",
                                            };
                                            let social = (!u.social.is_empty()).then(|| format!(" · signs in with {}", u.social.join(", ")));
                                            let base = format!("/admin/users/{}", u.id);
                                            let who = u.username.clone();
                                            view! {
                                                <tr>
                                                    <td>
                                                        <a href=format!("/authors/{}", u.username)>{u.username.clone()}</a>
                                                        {(!u.display_name.is_empty()).then(|| view! { <br/><span class="hint">{u.display_name.clone()}</span> })}
                                                    </td>
                                                    <td>{u.email.clone()}{social}</td>
                                                    <td>{role}</td>
                                                    <td>{status}</td>
                                                    <td>{u.joined.clone()}</td>
                                                    <td class="admin-actions">
                                                        <a class="button button--small button--quiet" href=base.clone() aria-label=format!("Edit ({who})")>"Edit"</a>
                                                        {(!u.is_writer).then(|| action_button(format!("{base}/promote"), "Make writer", &who, false))}
                                                        {u.is_writer.then(|| action_button(format!("{base}/demote"), "Remove writer", &who, false))}
                                                        {if u.is_active {
                                                            action_button(format!("{base}/deactivate"), "Deactivate", &who, true).into_any()
                                                        } else {
                                                            action_button(format!("{base}/activate"), "Activate", &who, false).into_any()
                                                        }}
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {pager("/admin/users", &q(), users.page, users.pages)}
                        </AdminFrame>
                    }.into_any(),
                    Err(error) => admin_error(error),
                }
            })}
        </Suspense>
    }
}

/// One account for the edit page, with the edit staff just tried and had refused (once).
#[server(prefix = "/sfn", endpoint = "admin_account")]
pub async fn admin_account(id: String) -> Result<UserPage, AppError> {
    use crate::admin::server::actions::REFUSED_EDIT;
    async {
        let state = staff_state().await?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let mut page = crate::admin::server::user_page(&state.pool, id).await?;
        let session = crate::request::auth_session().await?.session;
        let refused: Option<(i64, UserEdit, crate::error::FieldErrors)> =
            crate::request::take_from_session(&session, REFUSED_EDIT).await?;
        page.refused = refused
            .filter(|(for_id, _, _)| *for_id == id)
            .map(|(_, edit, errors)| (edit, errors));
        Ok(page)
    }
    .await
    .map_err(AppError::with_status)
}

/// A labelled text field of the account form, with its error tied to it.
fn account_field(
    label: &'static str,
    name: &'static str,
    kind: &'static str,
    value: String,
    error: Option<String>,
) -> impl IntoView {
    let id = format!("user-{name}");
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id type=kind name=name value=value
                aria-invalid=error.is_some().then_some("true")
                aria-describedby=error.is_some().then(|| error_id.clone())/>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
        </div>
    }
}

#[component]
pub fn AdminUserPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new_blocking(
        move || params.read().get("id").unwrap_or_default(),
        admin_account,
    );
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(UserPage { user, groups, refused }) => {
                        let base = format!("/admin/users/{}", user.id);
                        let who = user.username.clone();
                        let (values, errors) = refused.unwrap_or_else(|| (
                            UserEdit {
                                display_name: user.display_name.clone(),
                                username: user.username.clone(),
                                email: user.email.clone(),
                            },
                            Default::default(),
                        ));
                        let error = |field: &str| errors.get(field).map(str::to_owned);
                        let (name_error, username_error, email_error) =
                            (error("display_name"), error("username"), error("email"));
                        let refused = !errors.is_empty();
                        view! {
                            <AdminFrame current="/admin/users" title="Edit account">
                                <p><a href="/admin/users">"All users"</a>" · "<a href=format!("/authors/{}", user.username)>"Public profile"</a></p>
                                <form class="card admin-form" method="post" action=format!("{base}/edit")>
                                    <h2>{format!("@{}", user.username)}</h2>
                                    {refused.then(|| view! {
                                        <p class="alert alert--error" role="alert">"Nothing was saved: please correct the fields below."</p>
                                    })}
                                    {account_field("Display name", "display_name", "text", values.display_name, name_error)}
                                    {account_field("Username", "username", "text", values.username, username_error)}
                                    {account_field("E-mail address", "email", "email", values.email, email_error)}
                                    <p class="hint">"A new address is unconfirmed until its owner follows the link we send it."</p>
                                    <button type="submit" class="button">"Save account"</button>
                                </form>
                                <form class="card admin-form" method="post" action=format!("{base}/groups")>
                                    <fieldset>
                                        <legend>"Groups"</legend>
                                        {groups.into_iter().map(|(name, member)| {
                                            let id = format!("group-{}", name.replace(' ', "-"));
                                            view! {
                                                <div class="checkbox">
                                                    <input type="checkbox" id=id.clone() name="group" value=name.clone() checked=member/>
                                                    <label for=id>{name}</label>
                                                </div>
                                            }
                                        }).collect_view()}
                                    </fieldset>
                                    <button type="submit" class="button button--small">"Save groups"</button>
                                </form>
                                <section class="card">
                                    <h2>"Staff"</h2>
                                    <p class="hint">{if user.is_staff {
                                        "Staff hold every permission and use this admin area."
                                    } else {
                                        "Not staff: they can't open the admin area."
                                    }}</p>
                                    {if user.is_staff {
                                        action_button(format!("{base}/revoke_staff"), "Remove staff", &who, true).into_any()
                                    } else {
                                        action_button(format!("{base}/grant_staff"), "Make staff", &who, false).into_any()
                                    }}
                                </section>
                            </AdminFrame>
                        }
                        .into_any()
                    }
                    Err(error) => admin_error(error),
                }
            })}
        </Suspense>
    }
}
