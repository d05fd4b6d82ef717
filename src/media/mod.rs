//! Uploaded images: validation by content, resizing, and one storage interface with two
//! backends (local disk served at `/media/`, or S3-compatible storage such as DO Spaces).

pub mod process;
pub mod storage;
pub mod upload;

pub use storage::Storage;
