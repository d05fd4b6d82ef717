//! The account page's "API tokens": long-lived tokens for scripts using the JSON API.
//! Plain forms (no JavaScript); a new token is shown once, right after it is made.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenView {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_on: String,
    pub last_used_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokens {
    pub tokens: Vec<ApiTokenView>,
    /// The token just made: shown this once, then gone from the session.
    pub created: Option<String>,
    pub error: Option<String>,
}

/// Session keys for what the form handlers leave for the next page view.
pub const CREATED_KEY: &str = "api_token_created";
pub const ERROR_KEY: &str = "api_token_error";

#[server(prefix = "/sfn", endpoint = "api_tokens")]
pub async fn get_api_tokens() -> Result<ApiTokens, AppError> {
    use super::server::api_tokens;
    use crate::request::{app_state, auth_session, take_from_session};
    async {
        let auth = auth_session().await?;
        let user = auth.user.clone().ok_or(AppError::Unauthenticated)?;
        let state = app_state()?;
        let created = take_from_session::<String>(&auth.session, CREATED_KEY).await?;
        let error = take_from_session::<String>(&auth.session, ERROR_KEY).await?;
        let tokens = api_tokens::list(&state.pool, user.id)
            .await?
            .into_iter()
            .map(|t| ApiTokenView {
                id: t.id,
                name: t.name,
                prefix: t.prefix,
                created_on: t.created_on,
                last_used_on: t.last_used_on,
            })
            .collect();
        Ok(ApiTokens {
            tokens,
            created,
            error,
        })
    }
    .await
    .map_err(AppError::with_status)
}

/// The token list; made once per page (the flash it reads is gone after the first read).
pub fn api_tokens_resource() -> Resource<Result<ApiTokens, AppError>> {
    Resource::new_blocking(|| (), |_| get_api_tokens())
}

#[component]
pub fn ApiTokensSection(tokens: Resource<Result<ApiTokens, AppError>>) -> impl IntoView {
    view! {
        <section class="card" id="api-tokens" aria-labelledby="api-tokens-heading">
            <h2 id="api-tokens-heading">"API tokens"</h2>
            <p class="hint">
                "Scripts and apps can use Waypost's JSON API (" <a href="/api/docs">"documentation"</a>
                ") with a token: send it as " <code>"Authorization: Token …"</code> ". Revoke a token you no longer use."
            </p>
            <Suspense fallback=|| ()>
                {move || tokens.get().map(|result| match result {
                    Ok(tokens) => view! { <TokenList tokens/> }.into_any(),
                    Err(error) => view! { <p class="alert alert--error" role="alert">{error.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn TokenList(tokens: ApiTokens) -> impl IntoView {
    view! {
        {tokens.created.map(|token| view! {
            <div class="alert alert--ok" role="status">
                <p>"Your new token — copy it now, it won't be shown again:"</p>
                <p><code class="token-value">{token}</code></p>
            </div>
        })}
        {tokens.error.map(|error| view! { <p class="alert alert--error" role="alert">{error}</p> })}
        {(!tokens.tokens.is_empty()).then(|| view! {
            <ul class="token-list">
                {tokens.tokens.into_iter().map(|t| {
                    let used = t.last_used_on.map_or_else(|| "never used".to_owned(), |on| format!("last used {on}"));
                    let label = format!("Revoke {}", t.name);
                    view! {
                        <li>
                            <span><strong>{t.name.clone()}</strong> " " <code>{t.prefix}"…"</code></span>
                            <span class="hint">"made " {t.created_on} ", " {used}</span>
                            <form class="inline-form" method="post" action=format!("/account/api-tokens/{}/revoke", t.id)>
                                <button type="submit" class="button button--quiet" aria-label=label>"Revoke"</button>
                            </form>
                        </li>
                    }
                }).collect_view()}
            </ul>
        })}
        <form class="inline-form token-form" method="post" action="/account/api-tokens">
            <div class="field">
                <label for="api-token-name">"Token name"</label>
                <input id="api-token-name" name="name" required=true maxlength="60" placeholder="e.g. my import script"/>
            </div>
            <div class="field">
                <label for="api-token-password">"Current password"</label>
                <input id="api-token-password" name="password" type="password" required=true autocomplete="current-password"/>
            </div>
            <button type="submit" class="button button--quiet">"Make a token"</button>
        </form>
    }
}
