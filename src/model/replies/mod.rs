//! Model layer (`model`, below everything else): the typed replies, one
//! file per reply family (like `src/api/` for the methods), re-exported here
//! so `ultrastream::model::replies::Status` and friends keep their paths.
//! Every struct tolerates unknown and missing keys, numbers sent as strings
//! or floats, and the spellings real devices use (`beign-time`, `gorp-sec`,
//! `hdm1`).
//!
//! Units of the `*-bps` fields (the document gives no unit for most): see
//! [`BPS_UNITS`].
//! The raw JSON is always kept next to the typed view by the client.

mod firmware;
mod info;
mod lenient;
mod settings;
mod status;
mod storage;
mod users;

pub use firmware::*;
pub use info::*;
pub use lenient::*;
pub use settings::*;
pub use status::*;
pub use storage::*;
pub use users::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerates_misspellings_and_types() {
        let s: Status = serde_json::from_str(
            r#"{"result":"0","cur-status":65552.0,"usb":{"beign-time":"x","disk-status":1},
                "lock-user":null,"extra":{"a":1}}"#,
        )
        .unwrap();
        assert_eq!(s.cur_status, 65552);
        assert_eq!(s.usb.begin_time, "x");
        assert!(s.lock_user.is_empty());
        let i: Info = serde_json::from_str(
            r#"{"codec-cap":{"gorp-sec":[{"name":"1 sec","value":1}]},"audio-range":{"hdm1":{"max":6.0}}}"#,
        )
        .unwrap();
        assert_eq!(i.codec_cap.gop_sec.len(), 1);
        assert_eq!(i.audio_range.hdmi.max, 6.0);
        let u: UploadReply = serde_json::from_str(
            r#"{"status":0,"up-to-date":true,"version":"1.2.123","size":12494463}"#,
        )
        .unwrap();
        assert!(u.up_to_date);
        assert_eq!(u.size, 12494463);
    }
}
