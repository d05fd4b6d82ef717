//! `/articles/new` and `/articles/<slug>/edit`: writing, previewing, publishing, co-authors.

// The save server function takes one argument per form field.
#![allow(clippy::too_many_arguments)]

use crate::articles::model::{AuthorRef, EditorData};
use crate::components::form::{action_error, hydrated_flag, Field, FormAlert};
use crate::components::layout::error_view;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[server(prefix = "/sfn", endpoint = "load_editor")]
pub async fn load_editor(slug: Option<String>) -> Result<EditorData, AppError> {
    use crate::accounts::server::app_state;
    use crate::articles::server::{repo, Actor};
    async {
        let actor = Actor::current().await?;
        let Some(slug) = slug else {
            actor.require("article.create")?;
            return Ok(EditorData {
                can_publish: actor.can("article.publish"),
                is_owner: true,
                ..Default::default()
            });
        };
        let state = app_state()?;
        let row = repo::by_slug(&state.pool, &slug)
            .await?
            .ok_or(AppError::NotFound)?;
        actor.user.as_ref().ok_or(AppError::Unauthenticated)?;
        if !actor.can_edit(&row.author_ids) {
            return Err(AppError::Forbidden);
        }
        Ok(EditorData {
            id: Some(row.id),
            slug: Some(row.slug),
            title: row.title,
            summary: row.summary,
            body: row.body_md,
            tags: row
                .tags
                .0
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            cover_image: row.cover_image.unwrap_or_default(),
            cover_alt: row.cover_alt,
            published: row.status == "published",
            can_publish: actor.can("article.publish"),
            is_owner: actor.can_manage(row.owner_id),
            coauthors: row.authors.0.into_iter().skip(1).collect(),
        })
    }
    .await
    .map_err(AppError::with_status)
}

/// Saves an article. `intent` comes from the button pressed: `draft` (save without
/// publishing; unpublishes a published article) or `publish`.

#[server(prefix = "/sfn", endpoint = "save_article")]
pub async fn save_article(
    id: Option<i64>,
    title: String,
    summary: String,
    body: String,
    tags: String,
    cover_image: String,
    cover_alt: String,
    intent: String,
) -> Result<String, AppError> {
    use crate::accounts::server::app_state;
    use crate::articles::server::write::{save, ArticleInput};
    use crate::articles::server::Actor;
    async {
        let actor = Actor::current().await?;
        let publish = match intent.as_str() {
            "publish" => true,
            "draft" => false,
            _ => {
                return Err(AppError::BadRequest(
                    "Choose Save draft or Publish.".to_owned(),
                ))
            }
        };
        let state = app_state()?;
        let saved = save(
            &state,
            &actor,
            ArticleInput {
                id,
                title: &title,
                summary: &summary,
                body: &body,
                tag_names: tags.split(',').collect(),
                cover_image: &cover_image,
                cover_alt: &cover_alt,
                publish,
            },
        )
        .await?;
        leptos_axum::redirect(&format!("/articles/{}", saved.slug));
        Ok(saved.slug)
    }
    .await
    .map_err(AppError::with_status)
}

/// The article `id` if the signed-in user may manage it (delete, co-authors): its owner or staff.
#[cfg(feature = "ssr")]
async fn managed_article(
    id: i64,
) -> Result<
    (
        crate::articles::server::Actor,
        crate::state::AppState,
        crate::articles::server::repo::Ownership,
    ),
    AppError,
> {
    use crate::accounts::server::app_state;
    use crate::articles::server::{repo, Actor};
    let actor = Actor::current().await?;
    actor.user.as_ref().ok_or(AppError::Unauthenticated)?;
    let state = app_state()?;
    let ownership = repo::ownership(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !actor.can_manage(ownership.owner_id) {
        return Err(AppError::Forbidden);
    }
    Ok((actor, state, ownership))
}

#[server(prefix = "/sfn", endpoint = "delete_article")]
pub async fn delete_article(id: i64) -> Result<(), AppError> {
    use crate::articles::server::repo;
    async {
        let (actor, state, _) = managed_article(id).await?;
        repo::delete(&state.pool, id).await?;
        crate::cache::invalidate_current().await;
        tracing::info!(article_id = id, user_id = ?actor.id(), "article deleted");
        leptos_axum::redirect("/");
        Ok(())
    }
    .await
    .map_err(AppError::with_status)
}

/// Renders Markdown exactly as saving would (same renderer, same sanitizer).
#[server(prefix = "/sfn", endpoint = "preview_markdown")]
pub async fn preview_markdown(body: String) -> Result<String, AppError> {
    use crate::articles::server::{render, Actor, MAX_BODY_BYTES};
    async {
        Actor::current().await?.require("article.create")?;
        if body.len() > MAX_BODY_BYTES {
            return Err(AppError::invalid(
                "body",
                "The story is too long to preview.",
            ));
        }
        Ok(render::render_article(&body).html)
    }
    .await
    .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "set_coauthor")]
pub async fn set_coauthor(id: i64, username: String, action: String) -> Result<(), AppError> {
    use crate::accounts::server::repo as accounts;
    use crate::articles::server::repo;
    use axum_login::AuthzBackend;
    async {
        let (_, state, ownership) = managed_article(id).await?;
        let username = username.trim().trim_start_matches('@');
        let user = accounts::find_by_login(&state.pool, username)
            .await?
            .filter(|u| u.is_active && u.username.eq_ignore_ascii_case(username))
            .ok_or_else(|| {
                AppError::invalid(
                    "username",
                    format!("There is no writer called @{username}."),
                )
            })?;
        match action.as_str() {
            "add" => {
                let backend = crate::accounts::server::Backend::new(state.pool.clone());
                if !backend.has_perm(&user, "article.create".to_owned()).await? {
                    return Err(AppError::invalid(
                        "username",
                        format!("@{} is not a writer yet.", user.username),
                    ));
                }
                repo::add_coauthor(&state.pool, id, user.id).await?;
            }
            "remove" => {
                if user.id == ownership.owner_id {
                    return Err(AppError::invalid("username", "The owner can't be removed."));
                }
                repo::remove_coauthor(&state.pool, id, user.id).await?;
            }
            _ => return Err(AppError::BadRequest("Unknown co-author action.".to_owned())),
        }
        crate::cache::invalidate_current().await;
        leptos_axum::redirect(&format!("/articles/{}/edit", ownership.slug));
        Ok(())
    }
    .await
    .map_err(AppError::with_status)
}

#[component]
pub fn NewArticlePage() -> impl IntoView {
    let data = Resource::new_blocking(|| (), |_| load_editor(None));
    view! { <EditorPage data title="New story"/> }
}

#[component]
pub fn EditArticlePage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new_blocking(move || params.read().get("slug"), load_editor);
    view! { <EditorPage data title="Edit story"/> }
}

#[component]
fn EditorPage(data: Resource<Result<EditorData, AppError>>, title: &'static str) -> impl IntoView {
    view! {
        <Title text=title/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! {
                        <section class="editor-page">
                            <h1>{title}</h1>
                            <EditorIsland data/>
                        </section>
                    }
                    .into_any(),
                    Err(error) => error_view(error),
                }
            })}
        </Suspense>
    }
}

/// The editor, co-authors and delete controls: one lazily loaded island, so only the editor
/// page fetches their code.
#[island(lazy)]
fn EditorIsland(data: EditorData) -> impl IntoView {
    let coauthors = data
        .id
        .filter(|_| data.is_owner)
        .map(|id| view! { <CoauthorsPanel id coauthors=data.coauthors.clone()/> });
    let delete = data
        .id
        .filter(|_| data.is_owner)
        .map(|id| view! { <DeleteStory id/> });
    view! {
        <ArticleEditor data/>
        {coauthors}
        {delete}
    }
}

#[component]
fn ArticleEditor(data: EditorData) -> impl IntoView {
    let action = ServerAction::<SaveArticle>::new();
    let error = action_error(action);
    let preview = ServerAction::<PreviewMarkdown>::new();
    let body = RwSignal::new(data.body.clone());
    let preview_html = RwSignal::new(String::new());
    // Re-render the preview a moment after typing stops.
    let pending_timer: StoredValue<Option<TimeoutHandle>> = StoredValue::new(None);
    let schedule_preview = move || {
        if let Some(handle) = pending_timer.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                preview.dispatch(PreviewMarkdown {
                    body: body.get_untracked(),
                });
            },
            std::time::Duration::from_millis(350),
        )
        .ok();
        pending_timer.set_value(handle);
    };
    Effect::new(move |_| {
        if let Some(Ok(html)) = preview.value().get() {
            preview_html.set(html);
        }
    });
    Effect::new(move |first: Option<()>| {
        if first.is_none() {
            preview.dispatch(PreviewMarkdown {
                body: body.get_untracked(),
            });
        }
    });
    let published = data.published;
    let can_publish = data.can_publish;
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let body_uploader = Uploader::new();
    // Puts the uploaded image's Markdown where the cursor is.
    let insert_at_cursor = move |markdown: String| {
        #[cfg(feature = "hydrate")]
        if let Some(element) = textarea.get_untracked() {
            let value = element.value();
            let cursor_utf16 =
                element.selection_start().ok().flatten().unwrap_or(u32::MAX) as usize;
            let mut units = 0;
            let at = value
                .char_indices()
                .find(|(_, c)| {
                    let here = units >= cursor_utf16;
                    units += c.len_utf16();
                    here
                })
                .map_or(value.len(), |(i, _)| i);
            let updated = format!(
                "{}\n\n{markdown}\n\n{}",
                value[..at].trim_end(),
                value[at..].trim_start()
            );
            element.set_value(&updated);
            body.set(updated);
            schedule_preview();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (markdown, textarea);
    };
    let upload = move |file: UploadFile| {
        body_uploader.start(
            file,
            Callback::new(move |uploaded: upload::Uploaded| insert_at_cursor(uploaded.markdown)),
        );
    };
    let cover = RwSignal::new(data.cover_image.clone());
    let cover_uploader = Uploader::new();
    let upload_cover = move |file: UploadFile| {
        cover_uploader.start(
            file,
            Callback::new(move |uploaded: upload::Uploaded| cover.set(uploaded.url)),
        );
    };
    view! {
        <ActionForm action=action attr:class="editor" attr:aria-label="Story editor" attr:data-hydrated=hydrated_flag()>
            <FormAlert error=error/>
            {data.id.map(|id| view! { <input type="hidden" name="id" value=id/> })}
            <Field label="Title" name="title" value=data.title.clone() required=true maxlength=200 error=error/>
            <Field label="Summary" name="summary" value=data.summary.clone() maxlength=500 hint="One or two sentences shown in lists and when shared." error=error/>
            <div class="editor__columns">
                <div class="field">
                    <label for="field-body">"Story (Markdown)"</label>
                    <p class="hint" id="field-body-hint">"Headings with ##, **bold**, *italic*, [links](https://…), images with ![description](address), tables and ```code```."</p>
                    <div class="editor__upload">
                        <label for="image-upload">"Insert an image at the cursor"</label>
                        <input
                            id="image-upload"
                            type="file"
                            accept="image/jpeg,image/png,image/webp,image/gif"
                            on:change=move |ev| {
                                if let Some(file) = upload::file_from_input(&ev) {
                                    upload(file);
                                }
                            }
                        />
                        <span class="hint">"…or drop one onto the text. JPEG, PNG, WebP or GIF."</span>
                        <UploadStatus uploader=body_uploader/>
                    </div>
                    <textarea
                        node_ref=textarea
                        on:dragover=move |ev| ev.prevent_default()
                        on:drop=move |ev| {
                            ev.prevent_default();
                            if let Some(file) = upload::file_from_drop(&ev) {
                                upload(file);
                            }
                        }
                        id="field-body"
                        name="body"
                        class="editor__body"
                        aria-describedby="field-body-hint"
                        aria-invalid=move || error.get().and_then(|e| e.field("body")).map(|_| "true")
                        prop:value=move || body.get()
                        on:input=move |ev| {
                            body.set(event_target_value(&ev));
                            schedule_preview();
                        }
                    >
                        {data.body.clone()}
                    </textarea>
                    {move || error.get().and_then(|e| e.field("body")).map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                </div>
                <section class="editor__preview" aria-labelledby="preview-heading" aria-live="polite">
                    <h2 id="preview-heading" class="editor__preview-title">"Preview"</h2>
                    <div class="prose" inner_html=move || preview_html.get()></div>
                </section>
            </div>
            <Field label="Tags" name="tags" value=data.tags.clone() hint="Comma-separated, e.g. Peru, slow travel." error=error/>
            <div class="field">
                <label for="field-cover_image">"Cover image address"</label>
                <p class="hint" id="field-cover_image-hint">"Upload one below, or paste an https:// image address."</p>
                <input
                    id="field-cover_image"
                    name="cover_image"
                    aria-describedby="field-cover_image-hint"
                    aria-invalid=move || error.get().and_then(|e| e.field("cover_image")).map(|_| "true")
                    prop:value=move || cover.get()
                    on:input=move |ev| cover.set(event_target_value(&ev))
                />
                {move || error.get().and_then(|e| e.field("cover_image")).map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                <div class="editor__upload">
                    <label for="cover-upload">"Upload a cover image"</label>
                    <input
                        id="cover-upload"
                        type="file"
                        accept="image/jpeg,image/png,image/webp,image/gif"
                        on:change=move |ev| {
                            if let Some(file) = upload::file_from_input(&ev) {
                                upload_cover(file);
                            }
                        }
                    />
                    <UploadStatus uploader=cover_uploader/>
                </div>
                {move || (!cover.get().is_empty()).then(|| view! { <img class="editor__cover-preview" src=cover.get() alt=""/> })}
            </div>
            <Field label="Cover image description" name="cover_alt" value=data.cover_alt.clone() hint="What the picture shows, for readers who can't see it." error=error/>
            <div class="editor__actions">
                <button type="submit" class="button button--quiet" name="intent" value="draft" disabled=move || action.pending().get()>
                    {if published { "Unpublish and save as draft" } else { "Save draft" }}
                </button>
                {can_publish.then(|| view! {
                    <button type="submit" class="button" name="intent" value="publish" disabled=move || action.pending().get()>
                        {if published { "Update" } else { "Publish" }}
                    </button>
                })}
            </div>
        </ActionForm>
    }
}

/// Progress and errors of one upload control.
#[derive(Clone, Copy)]
struct Uploader {
    progress: RwSignal<Option<u32>>,
    error: RwSignal<Option<String>>,
}

impl Uploader {
    fn new() -> Self {
        Uploader {
            progress: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    fn start(self, file: UploadFile, on_done: Callback<upload::Uploaded>) {
        self.error.set(None);
        self.progress.set(Some(0));
        upload::send(
            file,
            Callback::new(move |percent| self.progress.set(Some(percent))),
            Callback::new(move |result: Result<upload::Uploaded, String>| {
                self.progress.set(None);
                match result {
                    Ok(uploaded) => on_done.run(uploaded),
                    Err(message) => self.error.set(Some(message)),
                }
            }),
        );
    }
}

#[component]
fn UploadStatus(uploader: Uploader) -> impl IntoView {
    view! {
        {move || uploader.progress.get().map(|percent| view! {
            <span class="editor__progress" role="status">
                <progress max="100" value=percent aria-label="Upload progress"></progress>
                {format!(" Uploading… {percent}%")}
            </span>
        })}
        {move || uploader.error.get().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
    }
}

/// Image upload from the editor: XHR (it reports upload progress) to `POST /media/upload`.
mod upload {
    #[cfg(feature = "hydrate")]
    pub type UploadFile = web_sys::File;
    #[cfg(not(feature = "hydrate"))]
    pub type UploadFile = ();

    #[cfg(feature = "hydrate")]
    pub fn file_from_input(ev: &leptos::ev::Event) -> Option<UploadFile> {
        use wasm_bindgen::JsCast;
        let input: web_sys::HtmlInputElement = ev.target()?.dyn_into().ok()?;
        let file = input.files()?.get(0);
        input.set_value("");
        file
    }

    #[cfg(feature = "hydrate")]
    pub fn file_from_drop(ev: &leptos::ev::DragEvent) -> Option<UploadFile> {
        ev.data_transfer()?.files()?.get(0)
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn file_from_input(_: &leptos::ev::Event) -> Option<UploadFile> {
        None
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn file_from_drop(_: &leptos::ev::DragEvent) -> Option<UploadFile> {
        None
    }

    /// What an upload gives back: the image URL and ready-made Markdown.
    #[derive(Clone)]
    pub struct Uploaded {
        pub url: String,
        pub markdown: String,
    }

    /// Uploads `file`, calling `progress` with 0–100 and `done` with the image or a message.
    #[cfg(feature = "hydrate")]
    pub fn send(
        file: UploadFile,
        progress: leptos::prelude::Callback<u32>,
        done: leptos::prelude::Callback<Result<Uploaded, String>>,
    ) {
        use leptos::prelude::Callable;
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        const FAILED: &str = "The upload failed. Check your connection and try again.";
        let start = || -> Result<(), wasm_bindgen::JsValue> {
            let form = web_sys::FormData::new()?;
            form.append_with_blob_and_filename("file", &file, &file.name())?;
            let xhr = web_sys::XmlHttpRequest::new()?;
            xhr.open("POST", "/media/upload")?;
            let on_progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(
                move |ev: web_sys::ProgressEvent| {
                    if ev.length_computable() && ev.total() > 0.0 {
                        progress.run((ev.loaded() / ev.total() * 100.0).round() as u32);
                    }
                },
            );
            xhr.upload()?
                .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
            let finished = xhr.clone();
            let on_done = done;
            let on_load = Closure::<dyn FnMut()>::new(move || {
                let status = finished.status().unwrap_or(0);
                let text = finished.response_text().ok().flatten().unwrap_or_default();
                // A typed answer (not serde_json::Value): keeps the wasm small.
                #[derive(serde::Deserialize, Default)]
                struct Answer {
                    url: Option<String>,
                    markdown: Option<String>,
                    error: Option<String>,
                }
                let answer: Answer = serde_json::from_str(&text).unwrap_or_default();
                match (status, answer.url, answer.markdown) {
                    (200, Some(url), Some(markdown)) => on_done.run(Ok(Uploaded { url, markdown })),
                    _ => on_done.run(Err(answer.error.unwrap_or_else(|| FAILED.to_owned()))),
                }
            });
            xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
            let on_error = Closure::<dyn FnMut()>::new(move || done.run(Err(FAILED.to_owned())));
            xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            xhr.send_with_opt_form_data(Some(&form))?;
            // The request owns its callbacks until it ends; one small leak per upload.
            on_progress.forget();
            on_load.forget();
            on_error.forget();
            Ok(())
        };
        if start().is_err() {
            leptos::logging::error!("could not start the upload");
        }
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn send(
        _: UploadFile,
        _: leptos::prelude::Callback<u32>,
        _: leptos::prelude::Callback<Result<Uploaded, String>>,
    ) {
    }
}

use upload::UploadFile;

#[component]
fn CoauthorsPanel(id: i64, coauthors: Vec<AuthorRef>) -> impl IntoView {
    let action = ServerAction::<SetCoauthor>::new();
    let error = action_error(action);
    view! {
        <section class="card editor__coauthors" aria-labelledby="coauthors-heading">
            <h2 id="coauthors-heading">"Co-authors"</h2>
            <p class="hint">"Co-authors can edit this story; only you can delete it or change who writes it."</p>
            <ul class="coauthor-list">
                {coauthors.into_iter().map(|author| view! {
                    <li>
                        <a href=format!("/authors/{}", author.username)>{author.name.clone()}</a>
                        <ActionForm action=action attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="username" value=author.username.clone()/>
                            <button type="submit" class="link-button" name="action" value="remove">
                                {format!("Remove {}", author.name)}
                            </button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
            <ActionForm action=action attr:aria-label="Add a co-author" attr:data-hydrated=hydrated_flag()>
                <FormAlert error=error/>
                <input type="hidden" name="id" value=id/>
                <Field label="Writer's username" name="username" error=error/>
                <button type="submit" class="button button--quiet" name="action" value="add">"Add co-author"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn DeleteStory(id: i64) -> impl IntoView {
    let action = ServerAction::<DeleteArticle>::new();
    view! {
        <details class="card danger-zone">
            <summary>"Delete this story"</summary>
            <p>"Deleting removes the story, its ratings and comments for good."</p>
            <ActionForm action=action attr:data-hydrated=hydrated_flag()>
                <input type="hidden" name="id" value=id/>
                <button type="submit" class="button button--danger">"Delete permanently"</button>
            </ActionForm>
        </details>
    }
}
