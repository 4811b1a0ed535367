//! Stream servers with their live state: get-settings' `stream-server`
//! list joined with get-status' `live-status`.

use super::codes;
use super::replies::{Settings, Status};

/// A stream server as control software reads it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerInfo {
    /// The device's id, for enable-server, set-server and del-server.
    pub id: i64,
    /// `type`: 0 RTMP, 1 Twitch, 2 YouTube, 3 Facebook.
    pub kind: i64,
    /// The server's name.
    pub name: String,
    /// The server's address.
    pub url: String,
    /// 1: enabled.
    pub is_use: i64,
    /// 1: the server needs a user and password.
    pub is_auth: i64,
    /// Network tried first: 0 mobile, 1 Ethernet, 2 Wi-Fi.
    pub net_mode: i64,
    /// This server's live state from get-status (see [`live_result`]).
    pub live_result: i64,
}

/// The live state get-status reports for server `id`, or 27 (retInit).
///
/// - When `live-status` carries a per-server `live` list (newer firmware,
///   as in the real Ultra Encode capture), the entry with this `id` gives it.
/// - Otherwise (the Ultra Stream document's shape), the enabled servers in
///   get-settings order take `live-status.result` (the first) and
///   `result2` (the second); the simulator reports them the same way.
/// - A server that is not enabled, or a state of 0 (an idle device's
///   placeholder: no live state is 0), gives 27.
pub fn live_result(settings: &Settings, status: &Status, id: i64) -> i64 {
    let live = &status.live_status;
    let state = if !live.live.is_empty() {
        live.live.iter().find(|e| e.id == id).map(|e| e.result)
    } else {
        let position = settings
            .stream_server
            .iter()
            .filter(|s| s.is_use != 0)
            .position(|s| s.id == id);
        match position {
            Some(0) => Some(live.result),
            Some(1) => Some(live.result2),
            _ => None,
        }
    };
    match state {
        Some(0) | None => codes::RET_INIT as i64,
        Some(v) => v,
    }
}

/// Every server of `settings`, in the device's order, with its live state.
pub fn server_infos(settings: &Settings, status: &Status) -> Vec<ServerInfo> {
    settings
        .stream_server
        .iter()
        .map(|s| ServerInfo {
            id: s.id,
            kind: s.kind,
            name: s.name.clone(),
            url: s.url.clone(),
            is_use: s.is_use,
            is_auth: s.is_auth,
            net_mode: s.net_mode,
            live_result: live_result(settings, status, s.id),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(json: &str) -> Settings {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn live_state_per_server() {
        let st = settings(
            r#"{"stream-server":[{"id":0,"is-use":0},{"id":3,"is-use":1},{"id":5,"is-use":1}]}"#,
        );
        let status: Status =
            serde_json::from_str(r#"{"live-status":{"result":22,"result2":23}}"#).unwrap();
        let got: Vec<i64> = server_infos(&st, &status)
            .iter()
            .map(|s| s.live_result)
            .collect();
        assert_eq!(got, vec![27, 22, 23]);
        let idle: Status = serde_json::from_str(r#"{"live-status":{"result":0}}"#).unwrap();
        assert_eq!(live_result(&st, &idle, 3), 27);
        let entries: Status = serde_json::from_str(
            r#"{"live-status":{"result":2,"live":[{"id":5,"result":30},{"id":0,"result":22}]}}"#,
        )
        .unwrap();
        let got: Vec<i64> = server_infos(&st, &entries)
            .iter()
            .map(|s| s.live_result)
            .collect();
        assert_eq!(got, vec![22, 27, 30]);
    }
}
