//! The HTML shell and the router.
//!
//! Waypost renders every page on the server (islands mode): only components marked
//! `#[island]` (forms and widgets) ship as wasm and hydrate, which keeps first-load JS+wasm
//! small. Pages are rendered in `SsrMode::Async`, so their status code (404, redirects)
//! follows their data.

use crate::accounts::account::AccountPage;
use crate::accounts::email_links::{
    ChangeEmailPage, ConfirmEmailChangePage, PasswordResetConfirmPage, PasswordResetPage,
    VerifyEmailPage,
};
use crate::accounts::login::{LoginPage, LogoutPage};
use crate::accounts::profile::AuthorPage;
use crate::accounts::session::provide_current_user;
use crate::accounts::signup::{CheckEmailPage, SignupPage};
use crate::accounts::social::CompleteSignupPage;
use crate::admin::pages::{
    AdminArticlesPage, AdminAuditPage, AdminCommentsPage, AdminDashboardPage, AdminGroupsPage,
    AdminRatingsPage, AdminUserPage, AdminUsersPage,
};
use crate::articles::editor::{EditArticlePage, NewArticlePage};
use crate::articles::following::FollowingPage;
use crate::articles::list::{HomePage, TagPage};
use crate::articles::search::SearchPage;
use crate::articles::view::ArticlePage;
use crate::articles::writers::WritersPage;
use crate::components::layout::{NotFoundView, SiteFooter, SiteHeader};
use crate::places::pages::{CountryPlacesPage, PlacePage, PlacesPage};
use crate::subscriptions::pages::{SubscriptionNoticePage, WriterMailingsPage};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, Meta, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <AutoReload options=options.clone()/>
                // The bundle's names carry content hashes (hash-files): cached forever.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_current_user();

    view! {
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Title formatter=|text: String| if text.is_empty() { "Waypost".to_owned() } else { format!("{text} · Waypost") }/>
        <Meta name="description" content="Waypost: travel stories from writers on the road."/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <SiteHeader/>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFoundView>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/articles/new") view=NewArticlePage ssr=SsrMode::Async/>
                    <Route path=path!("/articles/:slug/edit") view=EditArticlePage ssr=SsrMode::Async/>
                    <Route path=path!("/articles/:slug") view=ArticlePage ssr=SsrMode::Async/>
                    <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("/writers") view=WritersPage ssr=SsrMode::Async/>
                    <Route path=path!("/following") view=FollowingPage ssr=SsrMode::Async/>
                    <Route path=path!("/tags/:tag") view=TagPage ssr=SsrMode::Async/>
                    <Route path=path!("/places") view=PlacesPage ssr=SsrMode::Async/>
                    <Route path=path!("/places/:country") view=CountryPlacesPage ssr=SsrMode::Async/>
                    <Route path=path!("/places/:country/:place") view=PlacePage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup/check-email") view=CheckEmailPage/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/logout") view=LogoutPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/subscribers") view=WriterMailingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/subscriptions/:outcome") view=SubscriptionNoticePage/>
                    <Route path=path!("/verify-email") view=VerifyEmailPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/email") view=ChangeEmailPage ssr=SsrMode::Async/>
                    <Route path=path!("/confirm-email") view=ConfirmEmailChangePage ssr=SsrMode::Async/>
                    <Route path=path!("/password-reset") view=PasswordResetPage ssr=SsrMode::Async/>
                    <Route path=path!("/password-reset/confirm") view=PasswordResetConfirmPage ssr=SsrMode::Async/>
                    <Route path=path!("/authors/:username") view=AuthorPage ssr=SsrMode::Async/>
                    <Route path=path!("/auth/complete") view=CompleteSignupPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view=AdminDashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=AdminUsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users/:id") view=AdminUserPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/groups") view=AdminGroupsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/articles") view=AdminArticlesPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/comments") view=AdminCommentsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/ratings") view=AdminRatingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=AdminAuditPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <SiteFooter/>
        </Router>
    }
}
