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
                    <a href="/places">"Places"</a>
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
                                <a href="/following">"Following"</a>
                                {user.can(crate::accounts::Permission::WriteArticle).then(|| view! { <a href="/articles/new">"Write"</a> })}
                                {user.is_staff.then(|| view! { <a href="/admin">"Admin"</a> })}
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

/// One layout for every error page; sets the HTTP status during server rendering.
#[component]
fn ErrorPage(
    status: u16,
    #[prop(optional)] title: Option<&'static str>,
    heading: &'static str,
    #[prop(into)] message: String,
    #[prop(default = true)] back_link: bool,
) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(code)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(status),
    ) {
        response.set_status(code);
    }
    view! {
        {title.map(|text| view! { <Title text=text/> })}
        <section class="error-page">
            <p class="code">{status}</p>
            <h1>{heading}</h1>
            <p class="lead">{message}</p>
            {back_link.then(|| view! { <p><a class="button" href="/">"Back to the stories"</a></p> })}
        </section>
    }
}

/// The 404 page.
#[component]
pub fn NotFoundView() -> impl IntoView {
    view! {
        <ErrorPage
            status=404
            title="Page not found"
            heading="This page wandered off"
            message="We couldn't find what you were looking for. It may have moved, or the link may be mistyped."
        />
    }
}

/// Shown when something failed on our side.
#[component]
pub fn ServerErrorView(#[prop(into)] message: String) -> impl IntoView {
    view! { <ErrorPage status=500 title="Something went wrong" heading="Something went wrong" message/> }
}

/// For a request that makes no sense (e.g. `?page=abc`): 400 with a way back.
#[component]
pub fn BadRequestView(#[prop(into)] message: String) -> impl IntoView {
    view! { <ErrorPage status=400 title="Bad request" heading="That address doesn't look right" message/> }
}

/// Renders an error from a page's data the way its status says.
pub fn error_view(error: crate::error::AppError) -> AnyView {
    use crate::error::AppError;
    match error {
        AppError::NotFound => view! { <NotFoundView/> }.into_any(),
        AppError::BadRequest(message) => view! { <BadRequestView message/> }.into_any(),
        AppError::Unauthenticated => view! { <leptos_router::components::Redirect path="/login"/> }.into_any(),
        AppError::Forbidden => view! {
            <ErrorPage
                status=403
                heading="This page isn't open to you"
                message="You don't have permission to see it. If you think you should, ask a member of staff."
                back_link=false
            />
        }
        .into_any(),
        // The status the error carries (its Retry-After was set with it): a database restart
        // or a full hashing queue is a 503, never a 500.
        AppError::Busy { .. } => view! {
            <ErrorPage
                status=503
                title="Back in a moment"
                heading="Waypost is busy for a moment"
                message=error.to_string()
            />
        }
        .into_any(),
        AppError::RateLimited { .. } => view! {
            <ErrorPage status=429 title="Too many requests" heading="Slow down a little" message=error.to_string()/>
        }
        .into_any(),
        other => view! { <ServerErrorView message=other.to_string()/> }.into_any(),
    }
}
