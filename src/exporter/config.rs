//! The exporter's configuration: a JSON file (serde_json, already a
//! dependency: no TOML/YAML parser for one small file), or the same built
//! in code. Credentials are named; devices and probes refer to a name, so
//! no password ever appears in a URL, a label or a log line.

use crate::client::{Error, Result, md5_hex};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// One set of credentials, referred to by its name.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// The user to log in as (default "Admin").
    #[serde(default = "default_user")]
    pub user: String,
    /// The password as text (prefer `password_env` or `password_file`).
    #[serde(default)]
    pub password: Option<String>,
    /// The name of an environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// A file whose first line is the password.
    #[serde(default)]
    pub password_file: Option<String>,
}

// Never print a password, even in a debug dump.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("password_env", &self.password_env)
            .field("password_file", &self.password_file)
            .finish()
    }
}

fn default_user() -> String {
    "Admin".into()
}

impl Credential {
    /// A credential with the password given in code.
    pub fn new(user: &str, password: &str) -> Credential {
        Credential {
            user: user.into(),
            password: Some(password.into()),
            password_env: None,
            password_file: None,
        }
    }

    /// The user and the MD5 hex of the password (the only form kept).
    /// `name` names the credential in errors (never the password).
    pub(crate) fn resolve(&self, name: &str) -> Result<(String, String)> {
        let bad = |rule: String| Error::InvalidArgument {
            param: format!("credentials.{name}"),
            rule,
        };
        let set = [
            self.password.is_some(),
            self.password_env.is_some(),
            self.password_file.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if set != 1 {
            return Err(bad(
                "give exactly one of \"password\", \"password_env\" or \"password_file\"".into(),
            ));
        }
        let pass = if let Some(p) = &self.password {
            p.clone()
        } else if let Some(var) = &self.password_env {
            std::env::var(var).map_err(|_| {
                bad(format!(
                    "the environment variable {var} (password_env) is not set: export it before starting the exporter"
                ))
            })?
        } else {
            let path = self.password_file.as_deref().unwrap_or_default();
            let text = std::fs::read_to_string(path).map_err(|e| {
                bad(format!(
                    "cannot read the password_file {path}: {e}; check the path and its permissions"
                ))
            })?;
            text.lines().next().unwrap_or("").to_string()
        };
        Ok((self.user.clone(), md5_hex(&pass)))
    }
}

/// One device of the fleet.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DeviceEntry {
    /// "host" or "host:port": the `device` label of its series.
    pub host: String,
    /// The name of its credentials in `credentials` (default "default").
    #[serde(default = "default_auth")]
    pub auth: String,
}

fn default_auth() -> String {
    "default".into()
}

/// What `/probe` may reach.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProbeConfig {
    /// Targets `/probe` may log in to: host names (matched exactly, with
    /// or without a port), IP addresses, or CIDR ranges ("10.1.0.0/16").
    /// Empty: `/probe` answers 403 to everything.
    #[serde(default)]
    pub allow: Vec<String>,
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where to listen (default 127.0.0.1:9851; another interface only
    /// when named here or with `--listen`).
    #[serde(default = "default_listen")]
    pub listen: String,
    /// How often each device is polled, in ms (default 5000, at least 100).
    #[serde(default = "default_interval")]
    pub interval_ms: u64,
    /// Bound of each request, in ms (default: the interval, at most 10 s).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// Named credentials.
    #[serde(default)]
    pub credentials: BTreeMap<String, Credential>,
    /// The fleet: every device is polled all the time.
    #[serde(default)]
    pub devices: Vec<DeviceEntry>,
    /// Multi-target mode.
    #[serde(default)]
    pub probe: ProbeConfig,
}

fn default_listen() -> String {
    "127.0.0.1:9851".into()
}

fn default_interval() -> u64 {
    5000
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: default_listen(),
            interval_ms: default_interval(),
            timeout_ms: None,
            credentials: BTreeMap::new(),
            devices: Vec::new(),
            probe: ProbeConfig::default(),
        }
    }
}

impl Config {
    /// Parse a JSON configuration (errors name the line and column).
    pub fn from_json(text: &str) -> Result<Config> {
        let c: Config = serde_json::from_str(text).map_err(|e| {
            Error::File(format!(
                "the exporter configuration is not valid: {e}; see docs/exporter.md for its keys"
            ))
        })?;
        c.check()?;
        Ok(c)
    }

    /// Read and parse a JSON configuration file.
    pub fn from_file(path: &str) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::File(format!(
                "cannot read the exporter configuration {path}: {e}; check the path"
            ))
        })?;
        Config::from_json(&text).map_err(|e| match e {
            Error::File(m) => Error::File(format!("{path}: {m}")),
            other => other,
        })
    }

    /// The poll interval.
    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms)
    }

    /// The bound of each request.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(
            self.timeout_ms
                .unwrap_or(self.interval_ms)
                .clamp(10, 10_000),
        )
    }

    /// Check names and values (every device's credentials exist, the
    /// allow-list parses, the listen address is an address).
    pub fn check(&self) -> Result<()> {
        let bad = |param: &str, rule: String| Error::InvalidArgument {
            param: param.into(),
            rule,
        };
        if self.interval_ms < 100 {
            return Err(bad(
                "interval_ms",
                format!("{} ms is too short: use at least 100", self.interval_ms),
            ));
        }
        self.listen.parse::<SocketAddr>().map_err(|_| {
            bad(
                "listen",
                format!(
                    "\"{}\" is not an IP address and port (e.g. 127.0.0.1:9851)",
                    self.listen
                ),
            )
        })?;
        for d in &self.devices {
            if !self.credentials.contains_key(&d.auth) {
                return Err(bad(
                    "devices",
                    format!(
                        "device {} names credentials \"{}\", which \"credentials\" does not define",
                        d.host, d.auth
                    ),
                ));
            }
        }
        for a in &self.probe.allow {
            Allow::parse(a)?;
        }
        Ok(())
    }
}

/// One entry of the probe allow-list.
#[derive(Debug, Clone, PartialEq)]
pub enum Allow {
    /// A CIDR range (an address is a /32 or /128).
    Net(IpAddr, u8),
    /// A host name, matched exactly (case-insensitive), any port.
    Name(String),
    /// "host:port", matched exactly.
    HostPort(String),
}

impl Allow {
    /// Parse "10.0.0.0/8", "10.0.0.5", "::1", "enc-1.lan", "enc-1.lan:8080".
    pub fn parse(s: &str) -> Result<Allow> {
        let bad = |rule: String| Error::InvalidArgument {
            param: "probe.allow".into(),
            rule,
        };
        if let Some((ip, bits)) = s.split_once('/') {
            let ip: IpAddr = ip
                .parse()
                .map_err(|_| bad(format!("\"{s}\": {ip} is not an IP address")))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits: u8 = bits
                .parse()
                .ok()
                .filter(|b| *b <= max)
                .ok_or_else(|| bad(format!("\"{s}\": the prefix length must be 0 to {max}")))?;
            return Ok(Allow::Net(ip, bits));
        }
        if let Ok(ip) = s.parse::<IpAddr>() {
            let bits = if ip.is_ipv4() { 32 } else { 128 };
            return Ok(Allow::Net(ip, bits));
        }
        if s.is_empty() || s.contains(['/', '@', '?', '#', ' ']) {
            return Err(bad(format!(
                "\"{s}\" is not a host name, an address or a CIDR range"
            )));
        }
        if s.parse::<SocketAddr>().is_ok() || s.rsplit_once(':').is_some() {
            return Ok(Allow::HostPort(s.to_ascii_lowercase()));
        }
        Ok(Allow::Name(s.to_ascii_lowercase()))
    }

    /// Does this entry allow `target` (`host`, `host:port`, `[v6]:port`)?
    /// Host names are not resolved: a name matches only a listed name (a
    /// DNS answer must not widen the list).
    pub fn allows(&self, target: &str) -> bool {
        let t = target.to_ascii_lowercase();
        let (host, _port) = split_host(&t);
        match self {
            Allow::Net(net, bits) => match host.parse::<IpAddr>() {
                Ok(ip) => in_net(ip, *net, *bits),
                Err(_) => false,
            },
            Allow::Name(n) => host == n,
            Allow::HostPort(hp) => t == *hp,
        }
    }
}

/// "host:port" / "[v6]:port" / "host" / "v6" into host and port.
pub(crate) fn split_host(t: &str) -> (&str, Option<&str>) {
    if let Some(rest) = t.strip_prefix('[') {
        if let Some((h, p)) = rest.split_once(']') {
            return (h, p.strip_prefix(':'));
        }
    }
    if t.matches(':').count() == 1 {
        let (h, p) = t.split_once(':').unwrap_or((t, ""));
        return (h, Some(p));
    }
    (t, None)
}

fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (a, b, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a) as u128, u32::from(b) as u128, 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        // An IPv4-mapped IPv6 target against an IPv4 range.
        (IpAddr::V6(a), IpAddr::V4(b)) => match a.to_ipv4_mapped() {
            Some(a) => (u32::from(a) as u128, u32::from(b) as u128, 32),
            None => return false,
        },
        _ => return false,
    };
    if bits == 0 {
        return true;
    }
    let shift = width - bits as u32;
    (a >> shift) == (b >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_matches_ranges_names_and_ports_only() {
        let net = Allow::parse("10.1.0.0/16").unwrap();
        assert!(net.allows("10.1.2.3"));
        assert!(net.allows("10.1.2.3:8080"));
        assert!(!net.allows("10.2.0.1"));
        assert!(!net.allows("evil.example"));
        let one = Allow::parse("127.0.0.1").unwrap();
        assert!(one.allows("127.0.0.1:1234"));
        assert!(!one.allows("127.0.0.2:1234"));
        let hp = Allow::parse("127.0.0.1:8080").unwrap();
        assert_eq!(hp, Allow::HostPort("127.0.0.1:8080".into()));
        assert!(hp.allows("127.0.0.1:8080"));
        assert!(!hp.allows("127.0.0.1:8081"));
        let name = Allow::parse("Enc-1.lan").unwrap();
        assert!(name.allows("enc-1.LAN:80"));
        assert!(!name.allows("enc-1.lan.evil.example"));
        let v6 = Allow::parse("fd00::/8").unwrap();
        assert!(v6.allows("[fd00::5]:80"));
        assert!(!v6.allows("[fe80::1]:80"));
        assert!(Allow::parse("10.0.0.0/33").is_err());
        assert!(Allow::parse("a b").is_err());
        assert!(Allow::parse("0.0.0.0/0").unwrap().allows("1.2.3.4"));
    }

    #[test]
    fn config_checks_names_and_never_prints_passwords() {
        let c = Config::from_json(
            r#"{"credentials":{"default":{"password":"s3cret"}},
                "devices":[{"host":"10.0.0.5"}],"probe":{"allow":["10.0.0.0/24"]}}"#,
        )
        .unwrap();
        assert_eq!(c.devices[0].auth, "default");
        assert!(!format!("{c:?}").contains("s3cret"));
        let e = Config::from_json(r#"{"devices":[{"host":"10.0.0.5","auth":"x"}]}"#).unwrap_err();
        assert!(e.to_string().contains("names credentials \"x\""), "{e}");
        let e = Config::from_json(r#"{"listen":"localhost"}"#).unwrap_err();
        assert!(e.to_string().contains("listen"), "{e}");
        let e = Config::from_json(r#"{"devicez":[]}"#).unwrap_err();
        assert!(e.to_string().contains("devicez"), "{e}");
        let two = Credential {
            password_env: Some("X".into()),
            ..Credential::new("Admin", "p")
        };
        assert!(two.resolve("a").is_err());
    }
}
