//! The admin pages and the server functions that load them. Actions are plain forms posting
//! to `/admin/...` (see `server::actions`). Accounts are in `users`, groups in `groups`,
//! stories, comments and ratings in `content`.

mod content;
mod groups;
mod users;

pub use content::{AdminArticlesPage, AdminCommentsPage, AdminRatingsPage};
pub use groups::AdminGroupsPage;
pub use users::{AdminUserPage, AdminUsersPage};

use super::model::*;
use crate::components::layout::error_view;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

#[cfg(feature = "ssr")]
pub(super) fn parse_page(page: Option<String>) -> Result<i64, AppError> {
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
pub(super) async fn staff_state() -> Result<crate::state::AppState, AppError> {
    use crate::request::{app_state, auth_session};
    crate::admin::server::require_staff(&auth_session().await?)?;
    app_state()
}

#[server(prefix = "/sfn", endpoint = "admin_dashboard")]
pub async fn admin_dashboard() -> Result<Dashboard, AppError> {
    async { crate::admin::server::dashboard(&staff_state().await?).await }
        .await
        .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "admin_audit")]
pub async fn admin_audit(page: Option<String>) -> Result<Paged<AuditEntry>, AppError> {
    async {
        let state = staff_state().await?;
        crate::admin::server::audit_page(&state.pool, parse_page(page)?).await
    }
    .await
    .map_err(AppError::with_status)
}

const SECTIONS: [(&str, &str); 7] = [
    ("/admin", "Dashboard"),
    ("/admin/users", "Users"),
    ("/admin/groups", "Groups"),
    ("/admin/articles", "Stories"),
    ("/admin/comments", "Comments"),
    ("/admin/ratings", "Ratings"),
    ("/admin/audit", "Audit log"),
];

/// The frame of every admin page: heading, section navigation, the last action's result.
#[component]
pub(super) fn AdminFrame(
    current: &'static str,
    title: &'static str,
    children: Children,
) -> impl IntoView {
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
pub(super) fn admin_error(error: AppError) -> AnyView {
    match error {
        AppError::Unauthenticated => view! { <Redirect path="/login?next=/admin"/> }.into_any(),
        other => error_view(other),
    }
}

pub(super) fn pager(base: &'static str, q: &str, page: i64, pages: i64) -> impl IntoView {
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
pub(super) fn action_button(
    action: String,
    label: &'static str,
    target: &str,
    danger: bool,
) -> impl IntoView {
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
                                {(!d.dead_letters.is_empty()).then(|| view! {
                                    <h2>"E-mails that failed for good"</h2>
                                    <div class="table-scroll">
                                        <table class="admin-table">
                                            <caption class="visually-hidden">"Dead-lettered e-mails, newest first"</caption>
                                            <thead><tr><th scope="col">"To"</th><th scope="col">"Subject"</th><th scope="col">"Attempts"</th><th scope="col">"Last error"</th></tr></thead>
                                            <tbody>
                                                {d.dead_letters.clone().into_iter().map(|l| view! {
                                                    <tr><td>{l.to}</td><td>{l.subject}</td><td>{l.attempts}</td><td>{l.error}</td></tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                })}
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
