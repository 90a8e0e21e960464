//! The upload status store's vocabulary (MediaWiki's `UploadBase`
//! status): the `result` of a status, and the details kept with it. The
//! store is `upload_status`; chunked uploads, jobs and `checkstatus` speak
//! through these.

use serde::{Deserialize, Serialize};

use super::warnings::Warnings;

/// A chunked upload taking more chunks.
pub const CONTINUE: &str = "Continue";
/// Queued, or a job is at work (the stage says which).
pub const POLL: &str = "Poll";
pub const SUCCESS: &str = "Success";
/// Stopped by warnings (an async URL upload).
pub const WARNING: &str = "Warning";
pub const FAILURE: &str = "Failure";

/// The details column of `upload_status`, by result.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StatusDetails {
    /// Success/assembling: the assembled file's stash key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filekey: Option<String>,
    /// Success/publish: the published name and the version's timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
    #[serde(default, skip_serializing_if = "Warnings::is_empty")]
    pub warnings: Warnings,
    /// Poll/fetching: bytes downloaded so far, and the declared length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loaded: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_length: Option<u64>,
    /// Failure: the error's English text (`checkstatus` answers it as
    /// `stashfailed`, as MediaWiki does for every failed status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl StatusDetails {
    pub fn parse(text: &str) -> StatusDetails {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_details_round_trip_and_tolerate_garbage() {
        let details = StatusDetails {
            filekey: Some("k.1.png".into()),
            error: Some("x".into()),
            ..StatusDetails::default()
        };
        assert_eq!(StatusDetails::parse(&details.to_json()), details);
        assert_eq!(StatusDetails::parse("not json"), StatusDetails::default());
    }
}
