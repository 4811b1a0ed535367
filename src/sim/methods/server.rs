//! Simulator layer (`sim`): the stream-server methods (document section 5), as
//! the simulated device carries them out.

use super::*;

/// The server named in a URL: `rtmp://a.b:1935/live` → `a.b`.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', ':', '?']).next().unwrap_or("");
    let name: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .take(32)
        .collect();
    if name.is_empty() {
        "Server".into()
    } else {
        name
    }
}

/// The server fields add-server, set-server and start-test-server take.
struct ServerFields {
    kind: Option<i64>,
    url: Option<String>,
    key: Option<String>,
    is_auth: Option<i64>,
    user: Option<String>,
    passwd: Option<String>,
    token: Option<String>,
    net_mode: Option<i64>,
    name: Option<String>,
}

fn server_fields(p: &P<'_>) -> Result<ServerFields, i32> {
    let f = ServerFields {
        kind: p.choice("type", &[0, 1, 2, 3])?,
        url: p.get("url").map(str::to_string),
        key: p.get("key").map(str::to_string),
        is_auth: p.flag("is-auth")?,
        user: p.get("user").map(str::to_string),
        passwd: p.get("passwd").map(str::to_string),
        token: p.get("token").map(str::to_string),
        net_mode: p.choice("net-mode", &[0, 1, 2])?,
        name: p.get("name").map(str::to_string),
    };
    if f.url.as_deref() == Some("") {
        return Err(ERR_PARAM);
    }
    for (v, max) in [
        (&f.url, 512),
        (&f.key, 512),
        (&f.user, 128),
        (&f.passwd, 128),
        (&f.token, 512),
    ] {
        if v.as_deref().is_some_and(|s| !text_ok(s, max)) {
            return Err(ERR_STRING);
        }
    }
    if f.name.as_deref().is_some_and(|n| !rules::is_name(n)) {
        return Err(ERR_STRING);
    }
    Ok(f)
}

fn apply_fields(s: &mut Server, f: ServerFields) {
    if let Some(v) = f.kind {
        s.kind = v;
    }
    if let Some(v) = f.url {
        s.url = v;
    }
    if let Some(v) = f.key {
        s.key = v;
    }
    if let Some(v) = f.is_auth {
        s.is_auth = v;
    }
    if let Some(v) = f.user {
        s.user = v;
    }
    if let Some(v) = f.passwd {
        s.passwd = v;
    }
    if let Some(v) = f.token {
        s.token = v;
    }
    if let Some(v) = f.net_mode {
        s.net_mode = v;
    }
    if let Some(v) = f.name {
        s.name = v;
    }
}

fn check_auth_fields(s: &Server) -> Result<(), i32> {
    if s.is_auth == 1 && (s.user.is_empty() || s.passwd.is_empty()) {
        return Err(ERR_PARAM);
    }
    Ok(())
}

impl Device {
    /// Carry out one of section 5's methods (`dispatch` routes here).
    pub(super) fn server(&mut self, m: &str, p: &P<'_>) -> R {
        let now = self.t;
        match m {
            "add-server" => self.add_server(p),
            "set-server" => self.set_server(p),
            "del-server" => {
                let id = p.req_int("id")?;
                let pos = self
                    .cfg
                    .servers
                    .iter()
                    .position(|s| s.id == id)
                    .ok_or(ERR_NOT_FOUND)?;
                self.cfg.servers.remove(pos);
                ok()
            }
            "enable-server" => self.enable_server(p),
            "start-test-server" => {
                let f = server_fields(p)?;
                if f.kind.is_none() || f.url.is_none() {
                    return Err(ERR_PARAM);
                }
                if f.is_auth == Some(1)
                    && (f.user.as_deref().unwrap_or("").is_empty()
                        || f.passwd.as_deref().unwrap_or("").is_empty())
                {
                    return Err(ERR_PARAM);
                }
                self.living_test_net = f.net_mode.unwrap_or(1);
                self.living_test.begin(now, self.op_duration(LIVE_TEST_MS));
                ok()
            }
            "stop-test-server" => {
                if self.living_test.running {
                    self.living_test.cancel();
                }
                ok()
            }
            "clear-test-server" => {
                if self.living_test.running {
                    return Err(ERR_BUSY);
                }
                self.living_test.clear();
                ok()
            }
            _ => Err(ERR_PARAM),
        }
    }

    fn duplicate(&self, s: &Server, except: Option<i64>) -> bool {
        self.cfg
            .servers
            .iter()
            .filter(|o| Some(o.id) != except)
            .any(|o| {
                o.name == s.name
                    || (o.url == s.url && o.key == s.key)
                    || (!s.key.is_empty() && o.key == s.key)
            })
    }

    fn add_server(&mut self, p: &P<'_>) -> R {
        if self.cfg.servers.len() >= MAX_SERVERS {
            return Err(ERR_PARAM);
        }
        let f = server_fields(p)?;
        let (Some(_), Some(url)) = (f.kind, f.url.clone()) else {
            return Err(ERR_PARAM);
        };
        let mut s = Server {
            id: self.cfg.next_server_id,
            kind: 0,
            url: String::new(),
            key: String::new(),
            is_auth: 0,
            user: String::new(),
            passwd: String::new(),
            is_use: 0,
            token: String::new(),
            net_mode: 1,
            name: host_of(&url),
        };
        apply_fields(&mut s, f);
        check_auth_fields(&s)?;
        if self.duplicate(&s, None) {
            return Err(ERR_SAME_NAME);
        }
        self.cfg.next_server_id += 1;
        self.cfg.servers.push(s);
        ok()
    }

    fn set_server(&mut self, p: &P<'_>) -> R {
        let id = p.req_int("id")?;
        let mut s = self
            .cfg
            .servers
            .iter()
            .find(|s| s.id == id)
            .cloned()
            .ok_or(ERR_NOT_FOUND)?;
        apply_fields(&mut s, server_fields(p)?);
        check_auth_fields(&s)?;
        if self.duplicate(&s, Some(id)) {
            return Err(ERR_SAME_NAME);
        }
        if s.is_use == 1 {
            let others: Vec<&Server> = self.cfg.enabled_servers().filter(|o| o.id != id).collect();
            if !others.is_empty()
                && (s.kind == FACEBOOK || others.iter().any(|o| o.kind == FACEBOOK))
            {
                return Err(ERR_FACEBOOK_LIMITED);
            }
        }
        if let Some(slot) = self.cfg.servers.iter_mut().find(|o| o.id == id) {
            *slot = s;
        }
        ok()
    }

    fn enable_server(&mut self, p: &P<'_>) -> R {
        let id = p.req_int("id")?;
        let on = p.req_flag("is-use")?;
        let s = self
            .cfg
            .servers
            .iter()
            .find(|s| s.id == id)
            .cloned()
            .ok_or(ERR_NOT_FOUND)?;
        if on == 1 && s.is_use == 0 {
            let others: Vec<&Server> = self.cfg.enabled_servers().collect();
            if self.cfg.live_stream == 0 && self.cfg.main.codec == 1 {
                return Err(ERR_CODEC_LIMITED);
            }
            if !others.is_empty()
                && (s.kind == FACEBOOK || others.iter().any(|o| o.kind == FACEBOOK))
            {
                return Err(ERR_FACEBOOK_LIMITED);
            }
            if !others.is_empty() && self.cfg.stream(self.cfg.live_stream).kbps >= 8192 {
                return Err(ERR_8M_LIMITED);
            }
            if others.len() >= MAX_ENABLED {
                return Err(ERR_CHANNELS_LIMITED);
            }
        }
        if let Some(slot) = self.cfg.servers.iter_mut().find(|o| o.id == id) {
            slot.is_use = on;
        }
        ok()
    }
}
