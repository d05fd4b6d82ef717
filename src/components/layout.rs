//! Page chrome: header with navigation and the account menu, footer, and the error views.

use crate::accounts::login::Logout;
use crate::accounts::{use_current_user, AuthRefresh};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <header class="site-header">
            <div class="site-header__inner">
                <a class="brand" href="/">"Way"<span>"post"</span></a>
                <nav class="site-nav" aria-label="Main">
                    <A href="/" exact=true>"Stories"</A>
                    <A href="/writers">"Writers"</A>
                </nav>
                <AccountMenu/>
            </div>
        </header>
    }
}

#[component]
fn AccountMenu() -> impl IntoView {
    let user = use_current_user().0;
    let logout = ServerAction::<Logout>::new();
    let refresh = expect_context::<AuthRefresh>();
    Effect::new(move |_| {
        if matches!(logout.value().get(), Some(Ok(()))) {
            refresh.bump();
        }
    });
    view! {
        <nav class="account-menu" aria-label="Account">
            <Transition fallback=|| ()>
                {move || {
                    user.get()
                        .map(|result| match result {
                            Ok(Some(user)) => {
                                let profile = format!("/authors/{}", user.username);
                                view! {
                                    <A href=profile>{user.name().to_owned()}</A>
                                    <A href="/account">"Settings"</A>
                                    <ActionForm action=logout attr:class="inline-form">
                                        <button type="submit" class="link-button">"Log out"</button>
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                            _ => {
                                view! {
                                    <A href="/login">"Log in"</A>
                                    <A href="/signup" attr:class="button">"Sign up"</A>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </nav>
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <div class="site-footer__inner">
                <p>"Waypost — stories from the road, by travellers for travellers."</p>
                <p><a href="/writers">"Our writers"</a></p>
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
