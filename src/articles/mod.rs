//! Articles: the index, reading, search, the editor, writers and tags. Pages and their server
//! functions live together; queries, rendering and permissions are in `server`.

pub mod components;
pub mod editor;
pub mod editor_places;
pub mod editor_upload;
pub mod following;
pub mod list;
pub mod model;
pub mod search;
pub mod view;
pub mod writers;

#[cfg(feature = "ssr")]
pub mod server;
