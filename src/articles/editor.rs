//! `/articles/new` and `/articles/<slug>/edit`: writing, previewing, publishing, co-authors.

// The save server function takes one argument per form field.
#![allow(clippy::too_many_arguments)]

use super::editor_places::PlacesPicker;
use super::editor_upload::{upload, UploadFile, UploadStatus, Uploader};
use crate::articles::model::{AuthorRef, EditorData};
use crate::components::form::{action_error, hydrated_flag, Field, FormAlert};
use crate::components::layout::error_view;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[server(prefix = "/sfn", endpoint = "load_editor")]
pub async fn load_editor(slug: Option<String>) -> Result<EditorData, AppError> {
    use crate::accounts::Permission;
    use crate::articles::server::repo;
    use crate::request::app_state;
    async {
        let actor = crate::request::actor().await?;
        let Some(slug) = slug else {
            actor.require(Permission::WriteArticle)?;
            return Ok(EditorData {
                can_publish: actor.can(Permission::PublishArticle),
                is_owner: true,
                ..Default::default()
            });
        };
        let state = app_state()?;
        actor.signed_in()?;
        let row = repo::by_slug(&state.pool, &slug)
            .await?
            .ok_or(AppError::NotFound)?;
        crate::articles::server::write::editable(&state, &actor, row.id).await?;
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
            can_publish: actor.can(Permission::PublishArticle),
            is_owner: actor.can_manage(row.owner_id),
            coauthors: row.authors.0.into_iter().skip(1).collect(),
            places: crate::places::server::story_choices(&state.pool, row.id).await?,
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
    #[server(default)] places: String,
) -> Result<String, AppError> {
    use crate::articles::server::write::{save, ArticleInput};
    use crate::request::app_state;
    async {
        let actor = crate::request::actor().await?;
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
                places: Some(&places),
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

#[server(prefix = "/sfn", endpoint = "delete_article")]
pub async fn delete_article(id: i64) -> Result<(), AppError> {
    use crate::request::{actor, app_state};
    async {
        crate::articles::server::write::delete(&app_state()?, &actor().await?, id).await?;
        leptos_axum::redirect("/");
        Ok(())
    }
    .await
    .map_err(AppError::with_status)
}

/// Renders Markdown exactly as saving would (same renderer, same sanitizer).
#[server(prefix = "/sfn", endpoint = "preview_markdown")]
pub async fn preview_markdown(body: String) -> Result<String, AppError> {
    use crate::articles::server::{render, MAX_BODY_BYTES};
    async {
        crate::request::actor()
            .await?
            .require(crate::accounts::Permission::WriteArticle)?;
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
    use crate::request::{actor, app_state};
    async {
        let add = match action.as_str() {
            "add" => true,
            "remove" => false,
            _ => return Err(AppError::BadRequest("Unknown co-author action.".to_owned())),
        };
        let slug = crate::articles::server::write::set_coauthor(
            &app_state()?,
            &actor().await?,
            id,
            &username,
            add,
        )
        .await?;
        leptos_axum::redirect(&format!("/articles/{slug}/edit"));
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
    // A photo's GPS tags suggest a place; the writer decides.
    let photo_place = RwSignal::new(None);
    let upload = move |file: UploadFile| {
        body_uploader.start(
            file,
            Callback::new(move |uploaded: upload::Uploaded| {
                photo_place.set(uploaded.place);
                insert_at_cursor(uploaded.markdown)
            }),
        );
    };
    let cover = RwSignal::new(data.cover_image.clone());
    let cover_uploader = Uploader::new();
    let upload_cover = move |file: UploadFile| {
        cover_uploader.start(
            file,
            Callback::new(move |uploaded: upload::Uploaded| {
                photo_place.set(uploaded.place);
                cover.set(uploaded.url)
            }),
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
            <PlacesPicker
                initial=data.places.clone()
                photo_place
                error=Signal::derive(move || error.get().and_then(|e| e.field("places")))
            />
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
