//! The comment thread under an article: replies at any depth, edited and deleted in place.
//!
//! The whole section is one island holding the loaded comments as a flat list in thread order
//! (the server's path order); the tree is rebuilt from it, so a new reply, an edit or a page
//! of older comments simply merges into the list and lands where it belongs.

use super::comment_fns::{
    comment_source, delete_comment, edit_comment, moderate_comment, more_comments, post_comment,
};
use crate::engagement::model::{
    merge_comments, remove_comment, Access, CommentState, CommentView, Deletion, ThreadPage,
    Viewer, MAX_COMMENT_CHARS,
};
use crate::error::AppError;
use leptos::either::Either;
use leptos::prelude::*;
use std::collections::HashMap;

/// Which inline form is open (one at a time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Reply(i64),
    Edit(i64),
    ConfirmDelete(i64),
}

/// The island's state, shared by every comment it renders.
#[derive(Clone, Copy)]
struct Thread {
    article_id: i64,
    viewer: Viewer,
    comments: RwSignal<Vec<CommentView>>,
    count: RwSignal<i64>,
    open: RwSignal<Option<Open>>,
    draft: RwSignal<String>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
}

fn message(error: &AppError) -> String {
    error
        .field("body")
        .or_else(|| error.field("parent"))
        .unwrap_or_else(|| error.to_string())
}

/// Moves keyboard focus to a comment once it is on the page.
fn focus_comment(id: i64) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(element) = document()
            .get_element_by_id(&format!("comment-{id}"))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

impl Thread {
    fn open(self, form: Option<Open>) {
        self.error.set(None);
        self.draft.set(String::new());
        self.open.set(form);
        if let Some(Open::Edit(id)) = form {
            self.busy.set(true);
            leptos::task::spawn_local(async move {
                match comment_source(id).await {
                    Ok(source) => self.draft.set(source),
                    Err(e) => self.error.set(Some(message(&e))),
                }
                self.busy.set(false);
            });
        }
    }

    fn submit(self, form: Open) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        self.error.set(None);
        let body = self.draft.get_untracked();
        leptos::task::spawn_local(async move {
            let outcome =
                match form {
                    Open::Reply(parent) => post_comment(self.article_id, Some(parent), body)
                        .await
                        .map(|c| {
                            self.count.update(|n| *n += 1);
                            Some(c)
                        }),
                    Open::Edit(id) => edit_comment(id, body).await.map(Some),
                    Open::ConfirmDelete(id) => delete_comment(id).await.map(|deletion| {
                        let was_visible = self.comments.with_untracked(|list| {
                            list.iter()
                                .any(|c| c.id == id && c.state == CommentState::Visible)
                        });
                        if was_visible {
                            self.count.update(|n| *n = (*n - 1).max(0));
                        }
                        match deletion {
                            Deletion::Removed => {
                                self.comments.update(|list| remove_comment(list, id));
                                None
                            }
                            Deletion::Placeholder(view) => Some(*view),
                        }
                    }),
                };
            self.busy.set(false);
            match outcome {
                Ok(changed) => {
                    self.open.set(None);
                    self.draft.set(String::new());
                    if let Some(view) = changed {
                        let id = view.id;
                        self.comments
                            .update(|list| merge_comments(list, vec![view]));
                        focus_comment(id);
                    }
                }
                Err(e) => self.error.set(Some(message(&e))),
            }
        });
    }

    fn moderate(self, id: i64, hide: bool) {
        leptos::task::spawn_local(async move {
            match moderate_comment(id, hide).await {
                Ok(view) => {
                    self.count
                        .update(|n| *n = (*n + if hide { -1 } else { 1 }).max(0));
                    self.comments
                        .update(|list| merge_comments(list, vec![view]));
                }
                Err(e) => self.error.set(Some(message(&e))),
            }
        });
    }
}

#[component]
pub fn CommentSection(
    article_id: i64,
    viewer: Viewer,
    thread: ThreadPage,
    count: i64,
    login_href: String,
) -> impl IntoView {
    let state = Thread {
        article_id,
        viewer,
        comments: RwSignal::new(thread.comments),
        count: RwSignal::new(count),
        open: RwSignal::new(None),
        draft: RwSignal::new(String::new()),
        error: RwSignal::new(None),
        busy: RwSignal::new(false),
    };
    let cursor = RwSignal::new(thread.next_after);
    let remaining = RwSignal::new(thread.remaining);
    let loading_more = RwSignal::new(false);
    let more_error = RwSignal::new(None::<String>);
    let load_more = move |_| {
        let Some(after) = cursor.get_untracked() else {
            return;
        };
        loading_more.set(true);
        leptos::task::spawn_local(async move {
            match more_comments(article_id, after).await {
                Ok(page) => {
                    more_error.set(None);
                    cursor.set(page.next_after);
                    remaining.set(page.remaining);
                    state
                        .comments
                        .update(|list| merge_comments(list, page.comments));
                }
                Err(e) => more_error.set(Some(e.to_string())),
            }
            loading_more.set(false);
        });
    };

    let heading = move || match state.count.get() {
        0 => "No comments yet".to_owned(),
        1 => "1 comment".to_owned(),
        n => format!("{n} comments"),
    };
    let tree = move || state.comments.with(|list| render_thread(state, list));
    view! {
        <section class="comments" id="comments" aria-labelledby="comments-heading">
            <h2 id="comments-heading" class="section-title">{heading}</h2>
            <NewCommentForm state login_href/>
            <ol class="thread">{tree}</ol>
            {move || cursor.get().map(|_| view! {
                <p class="thread__more">
                    <button type="button" class="button button--quiet" on:click=load_more disabled=move || loading_more.get()>
                        {move || if loading_more.get() {
                            "Loading comments…".to_owned()
                        } else {
                            format!("Show more comments ({} more)", remaining.get())
                        }}
                    </button>
                </p>
            })}
            {move || more_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </section>
    }
}

/// The form for a new top-level comment. Without JavaScript it posts to the server function
/// and comes back to the article.
#[component]
fn NewCommentForm(state: Thread, login_href: String) -> impl IntoView {
    if state.viewer.comment != Access::Allowed {
        // An unconfirmed address is explained above the island (the article page), not here.
        let note = match state.viewer.comment {
            Access::Anonymous => Some(Either::Left(
                view! { <a href=login_href>"Log in to join the conversation"</a> },
            )),
            Access::Unverified => None,
            _ => Some(Either::Right("Your account can't comment.")),
        };
        return Either::Left(note.map(|note| view! { <p class="comments__note">{note}</p> }));
    }
    let body = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let hydrated = crate::components::form::hydrated_flag();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let text = body.get_untracked();
        leptos::task::spawn_local(async move {
            match post_comment(state.article_id, None, text).await {
                Ok(view) => {
                    body.set(String::new());
                    error.set(None);
                    state.count.update(|n| *n += 1);
                    let id = view.id;
                    state
                        .comments
                        .update(|list| merge_comments(list, vec![view]));
                    focus_comment(id);
                }
                Err(e) => error.set(Some(message(&e))),
            }
            busy.set(false);
        });
    };
    Either::Right(view! {
        <form class="comment-form" method="post" action="/sfn/post_comment" on:submit=on_submit data-hydrated=hydrated>
            <input type="hidden" name="article_id" value=state.article_id/>
            <label for="new-comment">"Add a comment"</label>
            <p class="hint" id="new-comment-hint">"Markdown works: **bold**, *italic*, [links](https://…), lists and quotes."</p>
            <textarea
                id="new-comment"
                name="body"
                rows="4"
                required
                maxlength=MAX_COMMENT_CHARS
                aria-describedby="new-comment-hint"
                aria-invalid=move || error.get().map(|_| "true")
                prop:value=move || body.get()
                on:input=move |ev| body.set(event_target_value(&ev))
            ></textarea>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <button type="submit" class="button" disabled=move || busy.get()>
                {move || if busy.get() { "Posting…" } else { "Post comment" }}
            </button>
        </form>
    })
}

/// Indentation stops at this depth (CSS stops earlier on narrow screens); deeper replies
/// show whom they answer instead.
const MAX_INDENT: i32 = 8;
/// From this depth on the "in reply to" line is shown (it is always there for screen readers).
const SHOW_CONTEXT_FROM: i32 = 4;

/// The thread as one flat list in thread order, indented by depth: a reply sits right under
/// its parent's subtree, so nesting is visual (and announced as "in reply to").
fn render_thread(state: Thread, list: &[CommentView]) -> impl IntoView {
    let names: HashMap<i64, String> = list
        .iter()
        .map(|c| {
            let name = c
                .author
                .as_ref()
                .map_or_else(|| "a removed comment".to_owned(), |a| a.name.clone());
            (c.id, name)
        })
        .collect();
    list.iter()
        .map(|comment| {
            let context = comment.parent_id.map(|parent| {
                let name = names
                    .get(&parent)
                    .cloned()
                    .unwrap_or_else(|| "an earlier comment".to_owned());
                let shown = comment.depth >= SHOW_CONTEXT_FROM;
                view! {
                    <p class="comment__context" class:visually-hidden=!shown>
                        "↳ in reply to " <a href=format!("#comment-{parent}")>{name}</a>
                    </p>
                }
            });
            view! {
                <li class=format!("thread__item depth-{}", comment.depth.min(MAX_INDENT))>
                    {context}
                    <CommentCard state comment=comment.clone()/>
                </li>
            }
        })
        .collect_view()
}

#[component]
fn CommentCard(state: Thread, comment: CommentView) -> impl IntoView {
    let id = comment.id;
    let viewer = state.viewer;
    let visible = comment.state == CommentState::Visible;
    let own = viewer.owns(&comment);
    let can_reply = visible && viewer.comment == Access::Allowed;
    let can_edit = visible && own;
    let can_delete = comment.state != CommentState::Deleted && (own || viewer.moderate);
    let can_moderate = comment.state != CommentState::Deleted && viewer.moderate;
    let hidden = comment.state == CommentState::Hidden;
    let who = comment
        .author
        .as_ref()
        .map_or_else(|| "this comment".to_owned(), |a| a.name.clone());

    let meta = match &comment.author {
        Some(author) => Either::Left(view! {
            {author.avatar_url.clone().map(|src| view! {
                <img class="comment__avatar" src=src alt="" width="32" height="32" loading="lazy"/>
            })}
            <a class="comment__author" href=format!("/authors/{}", author.username)>{author.name.clone()}</a>
        }),
        None => Either::Right(
            view! { <span class="comment__author comment__author--none">"[deleted]"</span> },
        ),
    };
    let placeholder = match comment.state {
        CommentState::Deleted => Some("This comment was deleted."),
        CommentState::Hidden if comment.body_html.is_empty() => {
            Some("This comment was removed by a moderator.")
        }
        _ => None,
    };
    let body = match placeholder {
        Some(text) => Either::Left(view! { <p class="comment__placeholder">{text}</p> }),
        None => Either::Right(
            view! { <div class="comment__body prose" inner_html=comment.body_html.clone()></div> },
        ),
    };
    let is_open = move |form: Open| state.open.with(|open| *open == Some(form));
    let toggle = move |form: Open| {
        if is_open(form) {
            state.open(None);
        } else {
            state.open(Some(form));
        }
    };
    let actions = view! {
        <div class="comment__actions">
            {can_reply.then(|| view! {
                <button type="button" class="link-button"
                    aria-expanded=move || is_open(Open::Reply(id)).to_string()
                    on:click=move |_| toggle(Open::Reply(id))>"Reply"</button>
            })}
            {can_edit.then(|| view! {
                <button type="button" class="link-button"
                    aria-expanded=move || is_open(Open::Edit(id)).to_string()
                    on:click=move |_| toggle(Open::Edit(id))>"Edit"</button>
            })}
            {can_delete.then(|| view! {
                <button type="button" class="link-button link-button--danger"
                    aria-expanded=move || is_open(Open::ConfirmDelete(id)).to_string()
                    on:click=move |_| toggle(Open::ConfirmDelete(id))>"Delete"</button>
            })}
            {can_moderate.then(|| view! {
                <button type="button" class="link-button"
                    on:click=move |_| state.moderate(id, !hidden)>
                    {if hidden { "Unhide" } else { "Hide" }}
                </button>
            })}
        </div>
    };
    let form = move || {
        let open = state.open.get()?;
        match open {
            Open::Reply(target) | Open::Edit(target) if target == id => {
                let editing = matches!(open, Open::Edit(_));
                Some(Either::Left(
                    view! { <InlineForm state form=open editing who=who.clone()/> },
                ))
            }
            Open::ConfirmDelete(target) if target == id => Some(Either::Right(view! {
                <div class="comment__confirm" role="group" aria-label="Confirm deletion">
                    <p>"Delete this comment? This can't be undone."</p>
                    <button type="button" class="button button--danger"
                        disabled=move || state.busy.get()
                        on:click=move |_| state.submit(open)>"Delete comment"</button>
                    <button type="button" class="button button--quiet" on:click=move |_| state.open(None)>"Keep it"</button>
                    {move || state.error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                </div>
            })),
            _ => None,
        }
    };
    view! {
        <article class="comment" class:comment--hidden=hidden id=format!("comment-{id}") tabindex="-1" aria-label=format!("Comment by {}", comment.author.as_ref().map_or("[deleted]", |a| a.name.as_str()))>
            <header class="comment__meta">
                {meta}
                <a class="comment__time" href=format!("#comment-{id}")>
                    <time datetime=comment.posted_iso.clone()>{comment.posted_on.clone()}</time>
                </a>
                {comment.edited.then(|| view! { <span class="comment__edited">"(edited)"</span> })}
                {hidden.then(|| view! { <span class="badge">"Hidden from readers"</span> })}
            </header>
            {body}
            {actions}
            {form}
        </article>
    }
}

/// The reply or edit form under a comment.
#[component]
fn InlineForm(state: Thread, form: Open, editing: bool, who: String) -> impl IntoView {
    let field_id = match form {
        Open::Reply(id) => format!("reply-{id}"),
        Open::Edit(id) | Open::ConfirmDelete(id) => format!("edit-{id}"),
    };
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        if let Some(element) = textarea.get() {
            let _ = element.focus();
        }
    });
    let label = if editing {
        "Edit your comment".to_owned()
    } else {
        format!("Reply to {who}")
    };
    view! {
        <form class="comment-form comment-form--inline" on:submit=move |ev| {
            ev.prevent_default();
            state.submit(form);
        }>
            <label for=field_id.clone()>{label}</label>
            <textarea
                node_ref=textarea
                id=field_id
                rows="3"
                required
                maxlength=MAX_COMMENT_CHARS
                aria-invalid=move || state.error.get().map(|_| "true")
                prop:value=move || state.draft.get()
                on:input=move |ev| state.draft.set(event_target_value(&ev))
            ></textarea>
            {move || state.error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div class="comment-form__buttons">
                <button type="submit" class="button" disabled=move || state.busy.get()>
                    {move || match (editing, state.busy.get()) {
                        (_, true) => "Saving…",
                        (true, false) => "Save changes",
                        (false, false) => "Post reply",
                    }}
                </button>
                <button type="button" class="button button--quiet" on:click=move |_| state.open(None)>"Cancel"</button>
            </div>
        </form>
    }
}
