//! Stream servers (document section 5).

use super::Method;
use super::general::flag as flag_str;
use crate::client::{Device, Error, Reply, Result};
use crate::model::servers::{ServerInfo, server_infos};

/// Server type (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerType {
    /// A generic RTMP server (0).
    #[default]
    Rtmp = 0,
    /// Twitch (1).
    Twitch = 1,
    /// YouTube (2).
    YouTube = 2,
    /// Facebook (3): only alone (errFacebookLimited, -31).
    Facebook = 3,
}

/// Network priority (`net-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NetMode {
    /// Mobile broadband first (0).
    Mobile = 0,
    /// Ethernet first (1).
    #[default]
    Ethernet = 1,
    /// Wi-Fi first (2).
    Wifi = 2,
}

/// Arguments of add-server, set-server and start-test-server (which
/// ignores `name`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServerArgs {
    /// The server type.
    pub kind: ServerType,
    /// 1 to 32 characters of A-Z a-z 0-9 space . _ - + ', no space at
    /// either end.
    pub name: String,
    /// The server's address ("rtmp://live.example/app").
    pub url: String,
    /// The stream key (never in an error message).
    pub key: String,
    /// When true, `user` and `passwd` are required.
    pub is_auth: bool,
    /// User name at the server, when `is_auth`.
    pub user: String,
    /// Password at the server, when `is_auth` (never in an error message).
    pub passwd: String,
    /// Token some servers require (never in an error message).
    pub token: String,
    /// Which network to try first.
    pub net_mode: NetMode,
}

impl ServerArgs {
    fn params<'a>(
        &'a self,
        kind: &'a str,
        net: &'a str,
        with_name: bool,
    ) -> Vec<(&'a str, &'a str)> {
        let mut p = vec![("type", kind)];
        if with_name {
            p.push(("name", self.name.as_str()));
        }
        p.extend([
            ("url", self.url.as_str()),
            ("key", self.key.as_str()),
            ("is-auth", flag_str(self.is_auth)),
            ("user", self.user.as_str()),
            ("passwd", self.passwd.as_str()),
            ("token", self.token.as_str()),
            ("net-mode", net),
        ]);
        p
    }
}

impl Device {
    /// add-server: at most 16; a new server starts disabled.
    pub fn add_server(&self, s: &ServerArgs) -> Result<Reply> {
        let (k, n) = ((s.kind as i64).to_string(), (s.net_mode as i64).to_string());
        self.send(Method::AddServer, &s.params(&k, &n, true), None)
    }
    /// enable-server: at most 2 enabled; Facebook and 8 Mbps only alone.
    pub fn enable_server(&self, id: i64, enabled: bool) -> Result<Reply> {
        self.send(
            Method::EnableServer,
            &[("id", &id.to_string()), ("is-use", flag_str(enabled))],
            None,
        )
    }
    /// set-server: change server `id`.
    pub fn set_server(&self, id: i64, s: &ServerArgs) -> Result<Reply> {
        let (k, n, i) = (
            (s.kind as i64).to_string(),
            (s.net_mode as i64).to_string(),
            id.to_string(),
        );
        let mut p = vec![("id", i.as_str())];
        p.extend(s.params(&k, &n, true));
        self.send(Method::SetServer, &p, None)
    }
    /// del-server.
    pub fn del_server(&self, id: i64) -> Result<Reply> {
        self.send(Method::DelServer, &[("id", &id.to_string())], None)
    }
    /// start-test-server (asynchronous; stops by itself after 20 s).
    pub fn start_test_server(&self, s: &ServerArgs) -> Result<Reply> {
        let (k, n) = ((s.kind as i64).to_string(), (s.net_mode as i64).to_string());
        self.send(Method::StartTestServer, &s.params(&k, &n, false), None)
    }
    /// stop-test-server.
    pub fn stop_test_server(&self) -> Result<Reply> {
        self.send(Method::StopTestServer, &[], None)
    }
    /// clear-test-server: living-test back to 27.
    pub fn clear_test_server(&self) -> Result<Reply> {
        self.send(Method::ClearTestServer, &[], None)
    }

    /// The stream servers with their live state (get-settings, then
    /// get-status; see [`crate::model::servers::live_result`]).
    pub fn servers(&self) -> Result<Vec<ServerInfo>> {
        let settings = self.get_settings()?;
        let status = self.get_status()?;
        Ok(server_infos(&settings, &status))
    }
    /// The server named exactly `name` (names are unique: add-server and
    /// set-server refuse a taken name with errSameName), or `None`.
    pub fn find_server(&self, name: &str) -> Result<Option<ServerInfo>> {
        Ok(self.servers()?.into_iter().find(|s| s.name == name))
    }
    /// add-server, then the id the device gave the new server.
    ///
    /// The device's reply does not carry the id, so it is read from the
    /// server list: the one id in get-settings after the add that was not
    /// there before (with the given name, when one was given). When other
    /// clients add servers at the same moment and that leaves more than
    /// one, the server with the given name decides (names are unique by
    /// errSameName). A failed add returns its error; an add that succeeded
    /// but whose id cannot be told apart gives [`Error::Verify`].
    pub fn add_server_id(&self, s: &ServerArgs) -> Result<(i64, Reply)> {
        let before: Vec<i64> = self
            .get_settings()?
            .stream_server
            .iter()
            .map(|x| x.id)
            .collect();
        let reply = self.add_server(s)?;
        let after = self.get_settings()?.stream_server;
        let named = |x: &&crate::model::StreamServer| s.name.is_empty() || x.name == s.name;
        let new: Vec<i64> = after
            .iter()
            .filter(|x| !before.contains(&x.id))
            .filter(named)
            .map(|x| x.id)
            .collect();
        if let [id] = new[..] {
            return Ok((id, reply));
        }
        if !s.name.is_empty() {
            if let Some(x) = after.iter().find(|x| x.name == s.name) {
                return Ok((x.id, reply));
            }
        }
        Err(Error::Verify(format!(
            "add-server succeeded, but {} new servers match in get-settings' stream-server list, so the new id is unknown (another client may have changed the list); read it with usapi_get_servers",
            new.len()
        )))
    }
}
