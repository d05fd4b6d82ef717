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
                    <a href="/writers">"Writers"</a>
                    <a href="/search">"Search"</a>
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
                                {user.can("article.create").then(|| view! { <a href="/articles/new">"Write"</a> })}
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
                <p><a href="/writers">"Our writers"</a> " · " <a href="/feed.xml">"RSS feed"</a></p>
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

/// For a request that makes no sense (e.g. `?page=abc`): 400 with a way back.
#[component]
pub fn BadRequestView(#[prop(into)] message: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::BAD_REQUEST);
    }
    view! {
        <Title text="Bad request"/>
        <section class="error-page">
            <p class="code">"400"</p>
            <h1>"That address doesn't look right"</h1>
            <p class="lead">{message}</p>
            <p><a class="button" href="/">"Back to the stories"</a></p>
        </section>
    }
}

/// Renders an error from a page's data the way its status says.
pub fn error_view(error: crate::error::AppError) -> AnyView {
    use crate::error::AppError;
    match error {
        AppError::NotFound => view! { <NotFoundView/> }.into_any(),
        AppError::BadRequest(message) => view! { <BadRequestView message/> }.into_any(),
        AppError::Unauthenticated => view! { <leptos_router::components::Redirect path="/login"/> }.into_any(),
        AppError::Forbidden => view! {
            <section class="error-page">
                <p class="code">"403"</p>
                <h1>"This page isn't open to you"</h1>
                <p class="lead">"You don't have permission to see it. If you think you should, ask a member of staff."</p>
            </section>
        }
        .into_any(),
        other => view! { <ServerErrorView message=other.to_string()/> }.into_any(),
    }
}
