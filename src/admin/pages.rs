//! The admin pages and the server functions that load them. Actions are plain forms posting
//! to `/admin/...` (see `server::actions`).

use super::model::*;
use crate::components::layout::error_view;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

#[cfg(feature = "ssr")]
fn parse_page(page: Option<String>) -> Result<i64, AppError> {
    match page.as_deref().map(str::trim) {
        None | Some("") => Ok(1),
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| {
                AppError::BadRequest("The page must be a whole number from 1.".to_owned())
            }),
    }
}

#[cfg(feature = "ssr")]
async fn staff_state() -> Result<crate::state::AppState, AppError> {
    use crate::request::{app_state, auth_session};
    super::server::require_staff(&auth_session().await?)?;
    app_state()
}

#[server(prefix = "/sfn", endpoint = "admin_dashboard")]
pub async fn admin_dashboard() -> Result<Dashboard, AppError> {
    async { super::server::dashboard(&staff_state().await?).await }
        .await
        .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "admin_users")]
pub async fn admin_users(
    q: Option<String>,
    page: Option<String>,
) -> Result<Paged<AdminUser>, AppError> {
    async {
        let state = staff_state().await?;
        super::server::users(&state.pool, q.as_deref().unwrap_or(""), parse_page(page)?).await
    }
    .await
    .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "admin_groups")]
pub async fn admin_groups() -> Result<GroupsPage, AppError> {
    async { super::server::groups(&staff_state().await?.pool).await }
        .await
        .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "admin_articles")]
pub async fn admin_articles(
    q: Option<String>,
    page: Option<String>,
) -> Result<Paged<AdminArticle>, AppError> {
    async {
        let state = staff_state().await?;
        super::server::articles(&state.pool, q.as_deref().unwrap_or(""), parse_page(page)?).await
    }
    .await
    .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "admin_comments")]
pub async fn admin_comments(page: Option<String>) -> Result<Paged<AdminComment>, AppError> {
    async {
        let state = staff_state().await?;
        super::server::comments(&state.pool, parse_page(page)?).await
    }
    .await
    .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "admin_audit")]
pub async fn admin_audit(page: Option<String>) -> Result<Paged<AuditEntry>, AppError> {
    async {
        let state = staff_state().await?;
        super::server::audit_page(&state.pool, parse_page(page)?).await
    }
    .await
    .map_err(AppError::with_status)
}

const SECTIONS: [(&str, &str); 6] = [
    ("/admin", "Dashboard"),
    ("/admin/users", "Users"),
    ("/admin/groups", "Groups"),
    ("/admin/articles", "Stories"),
    ("/admin/comments", "Comments"),
    ("/admin/audit", "Audit log"),
];

/// The frame of every admin page: heading, section navigation, the last action's result.
#[component]
fn AdminFrame(current: &'static str, title: &'static str, children: Children) -> impl IntoView {
    let query = use_query_map();
    let done = query
        .read_untracked()
        .get("done")
        .and_then(|c| done_message(&c));
    view! {
        <Title text=format!("Admin · {title}")/>
        <div class="admin">
            <nav class="admin-nav" aria-label="Admin sections">
                <ul>
                    {SECTIONS.iter().map(|(href, label)| view! {
                        <li><a href=*href aria-current=(*href == current).then_some("page")>{*label}</a></li>
                    }).collect_view()}
                </ul>
            </nav>
            <section class="admin-main">
                <h1>{title}</h1>
                {done.map(|text| view! { <p class="alert alert--ok" role="status">{text}</p> })}
                {children()}
            </section>
        </div>
    }
}

/// Errors of an admin query: anonymous visitors go to log in, others see 403 and friends.
fn admin_error(error: AppError) -> AnyView {
    match error {
        AppError::Unauthenticated => view! { <Redirect path="/login?next=/admin"/> }.into_any(),
        other => error_view(other),
    }
}

fn pager(base: &'static str, q: &str, page: i64, pages: i64) -> impl IntoView {
    let link = |n: i64| {
        let q = crate::articles::model::percent_encode(q);
        format!("{base}?q={q}&page={n}")
    };
    (pages > 1).then(|| {
        view! {
            <nav class="pagination" aria-label="Pages">
                {(page > 1).then(|| view! { <a rel="prev" href=link(page - 1)>"Previous"</a> })}
                <span>{format!("Page {page} of {pages}")}</span>
                {(page < pages).then(|| view! { <a rel="next" href=link(page + 1)>"Next"</a> })}
            </nav>
        }
    })
}

/// A one-button form posting to an admin action. The visible label is short; the
/// accessible name adds what it acts on (it starts with the visible words, so speech
/// control users can say what they see).
fn action_button(action: String, label: &'static str, target: &str, danger: bool) -> impl IntoView {
    view! {
        <form method="post" action=action class="inline-form">
            <button
                type="submit"
                aria-label=format!("{label} ({target})")
                class=if danger { "button button--small button--danger" } else { "button button--small button--quiet" }
            >
                {label}
            </button>
        </form>
    }
}

#[component]
pub fn AdminDashboardPage() -> impl IntoView {
    let data = Resource::new_blocking(|| (), |_| admin_dashboard());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => {
                        let mail = |n: Option<i64>| n.map_or("unavailable".to_owned(), |n| n.to_string());
                        let stats = [
                            ("Users", d.users.to_string()),
                            ("Writers", d.writers.to_string()),
                            ("Staff", d.staff.to_string()),
                            ("Deactivated", d.inactive.to_string()),
                            ("Published stories", d.published.to_string()),
                            ("Drafts", d.drafts.to_string()),
                            ("Comments", d.comments.to_string()),
                            ("Hidden comments", d.hidden_comments.to_string()),
                            ("Ratings", d.ratings.to_string()),
                            ("E-mails queued", mail(d.mail_queued)),
                            ("E-mails dead-lettered", mail(d.mail_dead)),
                        ];
                        view! {
                            <AdminFrame current="/admin" title="Dashboard">
                                <dl class="admin-stats">
                                    {stats.into_iter().map(|(label, value)| view! {
                                        <div><dt>{label}</dt><dd>{value}</dd></div>
                                    }).collect_view()}
                                </dl>
                                <h2>"Recent actions"</h2>
                                <AuditTable entries=d.recent.clone()/>
                                <p><a href="/admin/audit">"The whole audit log"</a></p>
                            </AdminFrame>
                        }.into_any()
                    }
                    Err(error) => admin_error(error),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p>"No admin actions yet."</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="admin-table">
                <caption class="visually-hidden">"Admin actions, newest first"</caption>
                <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Target"</th><th scope="col">"Detail"</th></tr></thead>
                <tbody>
                    {entries.into_iter().map(|e| view! {
                        <tr><td>{e.when}</td><td>{e.actor}</td><td><code>{e.action}</code></td><td>{e.target}</td><td>{e.detail}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }.into_any()
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
                            <p class="hint">{format!("{} users", users.total)}</p>
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

#[component]
pub fn AdminGroupsPage() -> impl IntoView {
    let data = Resource::new_blocking(|| (), |_| admin_groups());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! {
                        <AdminFrame current="/admin/groups" title="Groups and permissions">
                            <p class="hint">"Staff hold every permission. Everyone who signs up joins traveller; promoting adds writer."</p>
                            {page.groups.into_iter().map(|g| {
                                let all = page.permissions.clone();
                                view! {
                                    <form class="card admin-group" method="post" action=format!("/admin/groups/{}/permissions", g.id)>
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
                                }
                            }).collect_view()}
                        </AdminFrame>
                    }.into_any(),
                    Err(error) => admin_error(error),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AdminArticlesPage() -> impl IntoView {
    let query = use_query_map();
    let args = move || (query.read().get("q"), query.read().get("page"));
    let data = Resource::new_blocking(args, |(q, page)| admin_articles(q, page));
    let q = move || query.read().get("q").unwrap_or_default();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(articles) => view! {
                        <AdminFrame current="/admin/articles" title="Stories">
                            <form class="admin-search" method="get" action="/admin/articles" role="search">
                                <label for="admin-article-search">"Search stories"</label>
                                <input id="admin-article-search" type="search" name="q" value=q() placeholder="Title or author"/>
                                <button type="submit" class="button button--small">"Search"</button>
                            </form>
                            <div class="table-scroll">
                                <table class="admin-table">
                                    <caption class="visually-hidden">"Stories, last changed first"</caption>
                                    <thead><tr><th scope="col">"Story"</th><th scope="col">"Authors"</th><th scope="col">"Status"</th><th scope="col">"Updated"</th><th scope="col">"Comments"</th><th scope="col">"Actions"</th></tr></thead>
                                    <tbody>
                                        {articles.items.into_iter().map(|a| {
                                            let base = format!("/admin/articles/{}", a.id);
                                            view! {
                                                <tr>
                                                    <td><a href=format!("/articles/{}", a.slug)>{a.title.clone()}</a></td>
                                                    <td>{a.authors.clone()}</td>
                                                    <td>{if a.published { "published" } else { "draft" }}</td>
                                                    <td>{a.updated.clone()}</td>
                                                    <td>{a.comments}</td>
                                                    <td class="admin-actions">
                                                        {a.published.then(|| action_button(format!("{base}/unpublish"), "Unpublish", &a.title, false))}
                                                        {action_button(format!("{base}/delete"), "Delete", &a.title, true)}
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {pager("/admin/articles", &q(), articles.page, articles.pages)}
                        </AdminFrame>
                    }.into_any(),
                    Err(error) => admin_error(error),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AdminCommentsPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || query.read().get("page");
    let data = Resource::new_blocking(page, admin_comments);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(comments) => view! {
                        <AdminFrame current="/admin/comments" title="Comments">
                            <div class="table-scroll">
                                <table class="admin-table">
                                    <caption class="visually-hidden">"Comments, newest first"</caption>
                                    <thead><tr><th scope="col">"Comment"</th><th scope="col">"By"</th><th scope="col">"On"</th><th scope="col">"When"</th><th scope="col">"Actions"</th></tr></thead>
                                    <tbody>
                                        {comments.items.into_iter().map(|c| {
                                            let base = format!("/admin/comments/{}", c.id);
                                            view! {
                                                <tr class=c.hidden.then_some("is-hidden")>
                                                    <td>{c.excerpt.clone()}{c.hidden.then_some(" (hidden)")}</td>
                                                    <td>{c.author.clone()}</td>
                                                    <td><a href=format!("/articles/{}#comment-{}", c.article_slug, c.id)>{c.article_title.clone()}</a></td>
                                                    <td>{c.created.clone()}</td>
                                                    <td class="admin-actions">
                                                        {if c.hidden {
                                                            action_button(format!("{base}/show"), "Show", &format!("comment {}", c.id), false).into_any()
                                                        } else {
                                                            action_button(format!("{base}/hide"), "Hide", &format!("comment {}", c.id), false).into_any()
                                                        }}
                                                        {action_button(format!("{base}/delete"), "Delete", &format!("comment {}", c.id), true)}
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {pager("/admin/comments", "", comments.page, comments.pages)}
                        </AdminFrame>
                    }.into_any(),
                    Err(error) => admin_error(error),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || query.read().get("page");
    let data = Resource::new_blocking(page, admin_audit);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(entries) => view! {
                        <AdminFrame current="/admin/audit" title="Audit log">
                            <AuditTable entries=entries.items.clone()/>
                            {pager("/admin/audit", "", entries.page, entries.pages)}
                        </AdminFrame>
                    }.into_any(),
                    Err(error) => admin_error(error),
                }
            })}
        </Suspense>
    }
}
