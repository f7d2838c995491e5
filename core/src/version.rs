//! The gateway's version string, shared by `/healthz` and the widget.

/// Kassa's release version, from the workspace manifest.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
