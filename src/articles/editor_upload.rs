//! The editor's image uploads: progress and errors of one upload control, and the XHR that
//! sends the file (fetch reports no upload progress).

use leptos::prelude::*;

/// Progress and errors of one upload control.
#[derive(Clone, Copy)]
pub struct Uploader {
    progress: RwSignal<Option<u32>>,
    error: RwSignal<Option<String>>,
}

impl Default for Uploader {
    fn default() -> Self {
        Self::new()
    }
}

impl Uploader {
    pub fn new() -> Self {
        Uploader {
            progress: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    pub fn start(self, file: UploadFile, on_done: Callback<upload::Uploaded>) {
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
pub fn UploadStatus(uploader: Uploader) -> impl IntoView {
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
pub mod upload {
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
        /// The town the photo was taken near, offered as one of the story's places.
        pub place: Option<crate::places::model::TownSuggestion>,
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
                    place: Option<crate::places::model::TownSuggestion>,
                    error: Option<String>,
                }
                let answer: Answer = serde_json::from_str(&text).unwrap_or_default();
                match (status, answer.url, answer.markdown) {
                    (200, Some(url), Some(markdown)) => on_done.run(Ok(Uploaded {
                        url,
                        markdown,
                        place: answer.place,
                    })),
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

pub use upload::UploadFile;
