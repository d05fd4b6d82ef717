//! Subscription pages and parts of pages: the subscribe form (author pages, home page), the
//! account page's settings, a writer's mailing figures (`/account/subscribers`), and the
//! pages the e-mails' links land on. Plain forms: no JavaScript, nothing in the bundle.

use crate::components::layout::ServerErrorView;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionItem {
    /// `None`: the whole blog.
    pub author_id: Option<i64>,
    pub author_username: Option<String>,
    pub label: String,
    pub confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionSettings {
    pub email: String,
    pub digest: bool,
    pub items: Vec<SubscriptionItem>,
}

#[server(prefix = "/sfn", endpoint = "subscription_settings")]
pub async fn get_subscription_settings() -> Result<SubscriptionSettings, AppError> {
    use crate::request::{actor, app_state};
    async {
        let settings = super::server::settings(&app_state()?, &actor().await?).await?;
        Ok(SubscriptionSettings {
            email: settings.email,
            digest: settings.digest,
            items: settings
                .subscriptions
                .into_iter()
                .map(|s| SubscriptionItem {
                    label: match (&s.author_name, &s.author_username) {
                        (_, None) => "Every new story on Waypost".to_owned(),
                        (Some(name), Some(username)) => format!("{name} (@{username})"),
                        (None, Some(username)) => format!("@{username}"),
                    },
                    author_id: s.author_id,
                    author_username: s.author_username,
                    confirmed: s.confirmed,
                })
                .collect(),
        })
    }
    .await
    .map_err(AppError::with_status)
}

pub fn subscriptions_resource() -> Resource<Result<SubscriptionSettings, AppError>> {
    Resource::new_blocking(|| (), |_| get_subscription_settings())
}

/// "Get new stories by e-mail": for a writer (`author`) or the whole blog. `subscribed`:
/// `None` for anonymous readers (an address field), `Some(false)` for a signed-in reader
/// (one click, with their account's address), `Some(true)` when they already are.
#[component]
pub fn SubscribeForm(author: Option<String>, subscribed: Option<bool>) -> impl IntoView {
    let id = format!(
        "subscribe-{}",
        author.clone().unwrap_or_else(|| "blog".to_owned())
    );
    let heading = match &author {
        Some(username) => format!("Get @{username}'s new stories by e-mail"),
        None => "Get new stories by e-mail".to_owned(),
    };
    let author_value = author.clone().unwrap_or_default();
    let body = match subscribed {
        Some(true) => view! {
            <p class="hint">"You're subscribed. " <a href="/account#subscriptions">"Manage your subscriptions"</a></p>
        }
        .into_any(),
        Some(false) => view! {
            <form class="subscribe-form" method="post" action="/subscribe">
                <input type="hidden" name="author" value=author_value/>
                <button type="submit" class="button">"Subscribe by e-mail"</button>
            </form>
            <p class="hint">"Sent to your account's address. Instant or weekly, your choice; unsubscribe in one click."</p>
        }
        .into_any(),
        None => {
            let input_id = format!("{id}-email");
            view! {
                <form class="subscribe-form" method="post" action="/subscribe">
                    <input type="hidden" name="author" value=author_value/>
                    <label for=input_id.clone()>"Your e-mail address"</label>
                    <div class="subscribe-form__row">
                        <input id=input_id type="email" name="email" required=true autocomplete="email" placeholder="you@example.com"/>
                        <button type="submit" class="button">"Subscribe"</button>
                    </div>
                </form>
                <p class="hint">"We'll send a link to confirm. No tracking; unsubscribe in one click."</p>
            }
            .into_any()
        }
    };
    view! {
        <section class="subscribe" aria-labelledby=format!("{id}-heading")>
            <h2 id=format!("{id}-heading")>{heading}</h2>
            {body}
        </section>
    }
}

/// The account page's section.
#[component]
pub fn AccountSubscriptions(
    data: Resource<Result<SubscriptionSettings, AppError>>,
) -> impl IntoView {
    view! {
        <section class="card" id="subscriptions" aria-labelledby="subscriptions-heading">
            <h2 id="subscriptions-heading">"E-mail subscriptions"</h2>
            <Suspense fallback=|| ()>
                {move || data.get().map(|result| match result {
                    Ok(settings) => view! { <SettingsView settings/> }.into_any(),
                    Err(error) => view! { <p class="alert alert--error" role="alert">{error.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// One click for a signed-in reader: every new story, to the account's address.
#[component]
fn WholeBlogButton() -> impl IntoView {
    view! {
        <form method="post" action="/subscribe" class="inline-form">
            <input type="hidden" name="author" value=""/>
            <button type="submit" class="button button--quiet">"Get every new story by e-mail"</button>
        </form>
    }
}

#[component]
fn SettingsView(settings: SubscriptionSettings) -> impl IntoView {
    if settings.items.is_empty() {
        return view! {
            <p class="hint">
                "You get no stories by e-mail. Subscribe to a writer on their page, or to every new story here."
            </p>
            <WholeBlogButton/>
        }
        .into_any();
    }
    let whole_blog = settings.items.iter().all(|item| item.author_id.is_some());
    let items = settings
        .items
        .into_iter()
        .map(|item| {
            let end = item
                .author_id
                .map_or_else(|| "blog".to_owned(), |id| id.to_string());
            let label = item.label.clone();
            view! {
                <li class="subscription-list__item">
                    <span>
                        {match &item.author_username {
                            Some(username) => view! { <a href=format!("/authors/{username}")>{label.clone()}</a> }.into_any(),
                            None => view! { <span>{label.clone()}</span> }.into_any(),
                        }}
                        {(!item.confirmed).then(|| view! { <span class="badge">"waiting for confirmation"</span> })}
                    </span>
                    <form method="post" action="/account/subscriptions" class="inline-form">
                        <input type="hidden" name="end" value=end/>
                        <button type="submit" class="button button--quiet" aria-label=format!("Unsubscribe from {label}")>"Unsubscribe"</button>
                    </form>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="hint">"Sent to " <strong>{settings.email}</strong> "."</p>
        <ul class="subscription-list">{items}</ul>
        {whole_blog.then(|| view! { <WholeBlogButton/> })}
        <form method="post" action="/account/subscriptions" class="delivery-form">
            <fieldset>
                <legend>"How often"</legend>
                <div class="field field--check">
                    <input type="radio" id="delivery-instant" name="delivery" value="instant" checked=!settings.digest/>
                    <label for="delivery-instant">"Each story as it is published"</label>
                </div>
                <div class="field field--check">
                    <input type="radio" id="delivery-weekly" name="delivery" value="weekly" checked=settings.digest/>
                    <label for="delivery-weekly">"A weekly digest"</label>
                </div>
            </fieldset>
            <button type="submit" class="button button--quiet">"Save"</button>
        </form>
    }
    .into_any()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailingRow {
    pub slug: String,
    pub title: String,
    pub published_on: String,
    pub recipients: i64,
    pub sent: i64,
    pub failed: i64,
    pub pending: i64,
    pub fan_out_finished: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriterMailings {
    pub direct_subscribers: i64,
    pub blog_subscribers: i64,
    pub rows: Vec<MailingRow>,
}

#[server(prefix = "/sfn", endpoint = "writer_mailings")]
pub async fn get_writer_mailings() -> Result<WriterMailings, AppError> {
    use crate::request::{actor, app_state};
    async {
        let board = super::server::writer_dashboard(&app_state()?, &actor().await?).await?;
        Ok(WriterMailings {
            direct_subscribers: board.direct_subscribers,
            blog_subscribers: board.blog_subscribers,
            rows: board
                .issues
                .into_iter()
                .map(|i| MailingRow {
                    slug: i.slug,
                    title: i.title,
                    published_on: i.published_on,
                    recipients: i.recipients,
                    sent: i.sent,
                    failed: i.failed,
                    pending: i.pending,
                    fan_out_finished: i.fan_out_finished,
                })
                .collect(),
        })
    }
    .await
    .map_err(AppError::with_status)
}

/// `/account/subscribers`: a writer's readers by e-mail and how each story's mailing went.
#[component]
pub fn WriterMailingsPage() -> impl IntoView {
    let data = Resource::new_blocking(|| (), |_| get_writer_mailings());
    view! {
        <Title text="Your subscribers"/>
        <section class="form-page form-page--wide">
            <h1>"Your subscribers"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(board) => view! { <MailingsView board/> }.into_any(),
                        Err(AppError::Unauthenticated) => {
                            view! { <Redirect path="/login?next=/account/subscribers"/> }.into_any()
                        }
                        Err(error) => view! { <ServerErrorView message=error.to_string()/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn MailingsView(board: WriterMailings) -> impl IntoView {
    let direct = crate::wording::count(board.direct_subscribers, "reader", "readers");
    let blog = crate::wording::count(board.blog_subscribers, "reader", "readers");
    let rows = board
        .rows
        .into_iter()
        .map(|row| {
            let state = if !row.fan_out_finished {
                "queueing".to_owned()
            } else if row.pending > 0 {
                format!("{} still queued", row.pending)
            } else {
                "delivered".to_owned()
            };
            view! {
                <tr>
                    <th scope="row"><a href=format!("/articles/{}", row.slug)>{row.title}</a></th>
                    <td>{row.published_on}</td>
                    <td class="num">{row.recipients}</td>
                    <td class="num">{row.sent}</td>
                    <td class="num">{row.failed}</td>
                    <td>{state}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="card">
            <p>
                <strong>{direct}</strong> " subscribed to your stories; "
                <strong>{blog}</strong> " get every story on Waypost, yours included."
            </p>
        </div>
        <div class="card">
            <table class="admin-table">
                <caption>"E-mails of your stories (first publication only)"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Story"</th>
                        <th scope="col">"Published"</th>
                        <th scope="col" class="num">"Recipients"</th>
                        <th scope="col" class="num">"Sent"</th>
                        <th scope="col" class="num">"Failed"</th>
                        <th scope="col">"State"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// `/subscriptions/<outcome>`: where the forms and the e-mails' links land.
#[component]
pub fn SubscriptionNoticePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let outcome = params.read_untracked().get("outcome").unwrap_or_default();
    let token = query.read_untracked().get("t").unwrap_or_default();
    let (title, text): (&str, &str) = match outcome.as_str() {
        "check-email" => (
            "Check your inbox",
            "If the address can receive our e-mails, a confirmation link is on its way. Nothing more will be sent until it is opened.",
        ),
        "confirmed" => (
            "You're subscribed",
            "New stories will arrive in your inbox. Every e-mail has a one-click unsubscribe link.",
        ),
        "unsubscribed" => (
            "You're unsubscribed",
            "No more Waypost story e-mails will be sent to this address.",
        ),
        "resubscribed" => (
            "Welcome back",
            "Your subscriptions are on again, as they were.",
        ),
        _ => (
            "This link doesn't work",
            "It may be mistyped or out of date. You can subscribe again from any writer's page.",
        ),
    };
    let undo = (outcome == "unsubscribed" && !token.is_empty()).then(|| {
        let action = format!(
            "/email/unsubscribe/{}/undo",
            crate::articles::model::percent_encode(&token)
        );
        view! {
            <form method="post" action=action class="inline-form">
                <button type="submit" class="button">"Undo: keep my subscriptions"</button>
            </form>
        }
    });
    view! {
        <Title text=title/>
        <Meta name="robots" content="noindex"/>
        <section class="form-page">
            <h1>{title}</h1>
            <p>{text}</p>
            {undo}
            <p><a href="/">"Back to the stories"</a></p>
        </section>
    }
}
