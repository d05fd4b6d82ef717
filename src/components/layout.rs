//! Page chrome: header with navigation and the account menu, footer, and the error views.

use crate::accounts::login::LogoutButton;
use crate::accounts::use_current_user;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <header class="site-header">
            <div class="site-header__inner">
                <a class="brand" href="/">"Way"<span>"post"</span></a>
                <nav class="site-nav" aria-label="Main">
                    <a href="/">"Stories"</a>
                </nav>
                <AccountMenu/>
            </div>
        </header>
    }
}

/// Server-rendered: the signed-in state only changes through full page loads (log in/out
/// redirect), so only the log-out button needs to be an interactive island.
#[component]
fn AccountMenu() -> impl IntoView {
    let user = use_current_user().0;
    view! {
        <nav class="account-menu" aria-label="Account">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => {
                            let profile = format!("/authors/{}", user.username);
                            view! {
                                <a href=profile>{user.name().to_owned()}</a>
                                <a href="/account">"Settings"</a>
                                <LogoutButton class="link-button".to_owned()/>
                            }
                                .into_any()
                        }
                        _ => {
                            view! {
                                <a href="/login">"Log in"</a>
                                <a href="/signup" class="button">"Sign up"</a>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </nav>
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <div class="site-footer__inner">
                <p>"Waypost — stories from the road, by travellers for travellers."</p>
                <p><a href="/">"Latest stories"</a></p>
            </div>
        </footer>
    }
}

/// The 404 page; sets the status during server rendering.
#[component]
pub fn NotFoundView() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <section class="error-page">
            <p class="code">"404"</p>
            <h1>"This page wandered off"</h1>
            <p class="lead">"We couldn't find what you were looking for. It may have moved, or the link may be mistyped."</p>
            <p><a class="button" href="/">"Back to the stories"</a></p>
        </section>
    }
}

/// Shown when something failed on our side.
#[component]
pub fn ServerErrorView(#[prop(into)] message: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    view! {
        <Title text="Something went wrong"/>
        <section class="error-page">
            <p class="code">"500"</p>
            <h1>"Something went wrong"</h1>
            <p class="lead">{message}</p>
            <p><a class="button" href="/">"Back to the stories"</a></p>
        </section>
    }
}
