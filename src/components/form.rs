//! Form building blocks: every input has a visible label, and its error is announced and tied
//! to it with `aria-describedby`.

use crate::error::AppError;
use leptos::prelude::*;

/// `Some("true")` once this island has hydrated: forms carry it as `data-hydrated` so tests
/// (and people debugging) can tell when a submit will be handled without a page load.
pub fn hydrated_flag() -> Signal<Option<&'static str>> {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    Signal::derive(move || hydrated.get().then_some("true"))
}

/// The last result of a server action, as a signal of its error (if any).
pub fn action_error<T, I>(action: ServerAction<I>) -> Signal<Option<AppError>>
where
    I: leptos::server_fn::ServerFn<Output = T, Error = AppError> + Clone + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    let value = action.value();
    Signal::derive(move || value.get().and_then(|result| result.err()))
}

#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] multiline: bool,
    #[prop(optional)] maxlength: Option<u32>,
    /// The form's last error; this field shows the message addressed to `name`.
    #[prop(into)]
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let message = Signal::derive(move || error.get().and_then(|e| e.field(name)));
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let invalid = move || message.get().map(|_| "true");
    let control = if multiline {
        view! {
            <textarea
                id=id.clone()
                name=name
                required=required
                maxlength=maxlength
                aria-invalid=invalid
                aria-describedby=described_by.clone()
            >
                {value.clone().unwrap_or_default()}
            </textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id.clone()
                type=input_type
                name=name
                value=value.clone()
                autocomplete=autocomplete
                required=required
                maxlength=maxlength
                aria-invalid=invalid
                aria-describedby=described_by.clone()
            />
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {hint.map(|text| view! { <p class="hint" id=hint_id.clone()>{text}</p> })}
            {control}
            {move || {
                message
                    .get()
                    .map(|text| view! { <p class="field-error" id=error_id.clone() role="alert">{text}</p> })
            }}
        </div>
    }
}

/// The error not tied to a single field (wrong password, rate limit, server trouble).
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error
            .get()
            .and_then(|e| e.form_message())
            .map(|text| view! { <p class="alert alert--error" role="alert">{text}</p> })
    }
}

/// Shown in place of a control the reader can't use until their address is confirmed: why,
/// and a plain form that sends the link again (works with or without JavaScript).
#[component]
pub fn ConfirmAddressFirst(to: &'static str) -> impl IntoView {
    view! {
        <div class="confirm-first" role="note">
            <p>{format!("Confirm your e-mail address to {to}: open the link we e-mailed you.")}</p>
            <form method="post" action="/sfn/resend_verification" class="inline-form">
                <button type="submit" class="button button--quiet">"Send the link again"</button>
            </form>
        </div>
    }
}
