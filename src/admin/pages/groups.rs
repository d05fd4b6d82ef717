//! `/admin/groups`: groups, their permissions, new groups.

#[cfg(feature = "ssr")]
use super::staff_state;
use super::{admin_error, AdminFrame};
use crate::admin::model::*;
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/sfn", endpoint = "admin_groups")]
pub async fn admin_groups() -> Result<GroupsPage, AppError> {
    async { crate::admin::server::groups(&staff_state().await?.pool).await }
        .await
        .map_err(AppError::with_status)
}

#[component]
pub fn AdminGroupsPage() -> impl IntoView {
    let data = Resource::new_blocking(|| (), |_| admin_groups());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! {
                        <AdminFrame current="/admin/groups" title="Groups and permissions">
                            <p class="hint">"Staff hold every permission. Everyone who signs up joins traveller; promoting adds writer. Put accounts in other groups from their edit page."</p>
                            {page.groups.into_iter().map(|g| {
                                let all = page.permissions.clone();
                                let name_id = format!("group-{}-name", g.id);
                                let description_id = format!("group-{}-description", g.id);
                                view! {
                                    <section class="card admin-group" aria-label=format!("Group {}", g.name)>
                                    <form class="admin-form admin-form--inline" method="post" action=format!("/admin/groups/{}/rename", g.id)>
                                        <div class="field">
                                            <label for=name_id.clone()>"Name"</label>
                                            <input id=name_id type="text" name="name" value=g.name.clone() readonly=g.built_in maxlength="40"/>
                                        </div>
                                        <div class="field">
                                            <label for=description_id.clone()>"Description"</label>
                                            <input id=description_id type="text" name="description" value=g.description.clone() maxlength="200"/>
                                        </div>
                                        <button type="submit" class="button button--small button--quiet">{format!("Save {}", g.name)}</button>
                                        {g.built_in.then(|| view! { <p class="hint">"Built in: sign-up and promotion use this name."</p> })}
                                    </form>
                                    <form method="post" action=format!("/admin/groups/{}/permissions", g.id)>
                                        <fieldset>
                                            <legend>
                                                <strong>{g.name.clone()}</strong>
                                                {format!(" — {} ({} members)", g.description, g.members)}
                                            </legend>
                                            {all.into_iter().map(|p| {
                                                let id = format!("perm-{}-{}", g.id, p.codename.replace('.', "-"));
                                                let checked = g.permissions.contains(&p.codename);
                                                view! {
                                                    <div class="checkbox">
                                                        <input type="checkbox" id=id.clone() name="permission" value=p.codename.clone() checked=checked/>
                                                        <label for=id>{p.description.clone()}" "<code>{p.codename.clone()}</code></label>
                                                    </div>
                                                }
                                            }).collect_view()}
                                        </fieldset>
                                        <button type="submit" class="button button--small">{format!("Save {} permissions", g.name)}</button>
                                    </form>
                                    </section>
                                }
                            }).collect_view()}
                            <form class="card admin-form" method="post" action="/admin/groups/new">
                                <h2>"New group"</h2>
                                <div class="field">
                                    <label for="new-group-name">"Name"</label>
                                    <input id="new-group-name" type="text" name="name" required=true maxlength="40"/>
                                    <p class="hint">"Lowercase letters, digits, spaces or dashes, e.g. “editors”."</p>
                                </div>
                                <div class="field">
                                    <label for="new-group-description">"Description"</label>
                                    <input id="new-group-description" type="text" name="description" maxlength="200"/>
                                </div>
                                <button type="submit" class="button button--small">"Create group"</button>
                            </form>
                        </AdminFrame>
                    }.into_any(),
                    Err(error) => admin_error(error),
                }
            })}
        </Suspense>
    }
}
