//! server list|add|enable|disable|remove: the stream servers.

use crate::output::{body_json, call, int, print_table, print_value, text};
use crate::session::connect;
use crate::{CliResult, Global, fail, usage};
use clap::Subcommand;
use serde_json::{Value, json};
use ultrastream::Device;
use ultrastream::api::{NetMode, ServerArgs, ServerType};

const FIELDS: &str = "Fields: type=rtmp|twitch|youtube|facebook (or 0-3), name=, url=, key=, user=,
passwd=, token=, net-mode=mobile|eth|wifi (or 0-2); is-auth is set when
user= is given. Example:
  ultrastream server add type=rtmp name=Main url=rtmp://live.example/app key=KEY";

/// The stream server commands.
#[derive(Subcommand)]
pub enum ServerCmd {
    /// The configured servers (--table: without keys and passwords).
    List,
    /// Add a server and print its new id.
    #[command(after_help = FIELDS)]
    Add {
        /// KEY=VALUE fields.
        #[arg(required = true, value_name = "KEY=VALUE")]
        fields: Vec<String>,
    },
    /// Enable a server for live streaming.
    Enable {
        /// The server's id (see `ultrastream server list`).
        id: i64,
    },
    /// Disable a server.
    Disable {
        /// The server's id (see `ultrastream server list`).
        id: i64,
    },
    /// Remove a server.
    Remove {
        /// The server's id (see `ultrastream server list`).
        id: i64,
    },
}

/// Run a server command.
pub fn run(g: &Global, c: ServerCmd) -> CliResult {
    let s = connect(g, true)?;
    match c {
        ServerCmd::List => {
            let list = servers_of(&s.dev)?;
            if g.table {
                let kind = |v: i64| match v {
                    0 => "rtmp",
                    1 => "twitch",
                    2 => "youtube",
                    3 => "facebook",
                    _ => "?",
                };
                let net = |v: i64| match v {
                    0 => "mobile",
                    1 => "eth",
                    2 => "wifi",
                    _ => "?",
                };
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|v| {
                        vec![
                            int(v, &["id"]).to_string(),
                            kind(int(v, &["type"])).into(),
                            if int(v, &["is-use"]) != 0 {
                                "yes"
                            } else {
                                "no"
                            }
                            .into(),
                            net(int(v, &["net-mode"])).into(),
                            text(v, &["name"]),
                            text(v, &["url"]),
                        ]
                    })
                    .collect();
                // Stream keys and passwords stay out of the table.
                print_table(&["id", "type", "enabled", "net", "name", "url"], &rows);
            } else {
                print_value(&Value::Array(list));
            }
            Ok(())
        }
        ServerCmd::Add { fields } => {
            let a = server_args(&fields)?;
            let (id, reply) = s.dev.add_server_id(&a).map_err(|e| fail(&e))?;
            // The device's reply, with the id it gave the server.
            let mut v = body_json(&reply)?;
            if let Some(m) = v.as_object_mut() {
                m.insert("id".into(), json!(id));
            }
            print_value(&v);
            Ok(())
        }
        ServerCmd::Enable { id } => crate::output::finish(s.dev.enable_server(id, true)),
        ServerCmd::Disable { id } => crate::output::finish(s.dev.enable_server(id, false)),
        ServerCmd::Remove { id } => crate::output::finish(s.dev.del_server(id)),
    }
}

/// KEY=VALUE words as pairs.
pub fn key_values(args: &[String]) -> CliResult<Vec<(String, String)>> {
    args.iter()
        .map(|a| match a.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => usage(format!("'{a}' is not KEY=VALUE")),
        })
        .collect()
}

/// `server add` / `test server` fields.
pub fn server_args(args: &[String]) -> CliResult<ServerArgs> {
    let mut s = ServerArgs::default();
    for (k, v) in key_values(args)? {
        match k.as_str() {
            "type" => {
                s.kind = match v.to_ascii_lowercase().as_str() {
                    "0" | "rtmp" => ServerType::Rtmp,
                    "1" | "twitch" => ServerType::Twitch,
                    "2" | "youtube" => ServerType::YouTube,
                    "3" | "facebook" => ServerType::Facebook,
                    _ => return usage(format!("type={v}: use rtmp, twitch, youtube or facebook")),
                }
            }
            "net-mode" => {
                s.net_mode = match v.to_ascii_lowercase().as_str() {
                    "0" | "mobile" => NetMode::Mobile,
                    "1" | "eth" | "ethernet" => NetMode::Ethernet,
                    "2" | "wifi" => NetMode::Wifi,
                    _ => return usage(format!("net-mode={v}: use mobile, eth or wifi")),
                }
            }
            "name" => s.name = v,
            "url" => s.url = v,
            "key" => s.key = v,
            "user" => {
                s.is_auth = !v.is_empty();
                s.user = v;
            }
            "passwd" | "password" => s.passwd = v,
            "token" => s.token = v,
            "is-auth" => s.is_auth = v == "1",
            other => {
                return usage(format!(
                    "unknown server field '{other}' (type, name, url, key, user, passwd, token, net-mode, is-auth)"
                ));
            }
        }
    }
    Ok(s)
}

/// The stream-server list of get-settings.
pub fn servers_of(dev: &Device) -> CliResult<Vec<Value>> {
    let settings = call(dev, "get-settings", &[])?;
    Ok(settings
        .get("stream-server")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// A configured server's fields, for `test server ID`.
pub fn server_by_id(dev: &Device, id: i64) -> CliResult<ServerArgs> {
    let list = servers_of(dev)?;
    let v = list.iter().find(|v| int(v, &["id"]) == id).ok_or_else(|| {
        crate::CliError::Fail(format!(
            "no server with id {id} (see `ultrastream server list`)"
        ))
    })?;
    let mut a = ServerArgs {
        name: text(v, &["name"]),
        url: text(v, &["url"]),
        key: text(v, &["key"]),
        is_auth: int(v, &["is-auth"]) != 0,
        user: text(v, &["user"]),
        passwd: text(v, &["passwd"]),
        token: text(v, &["token"]),
        ..Default::default()
    };
    a.kind = match int(v, &["type"]) {
        1 => ServerType::Twitch,
        2 => ServerType::YouTube,
        3 => ServerType::Facebook,
        _ => ServerType::Rtmp,
    };
    a.net_mode = match int(v, &["net-mode"]) {
        0 => NetMode::Mobile,
        2 => NetMode::Wifi,
        _ => NetMode::Ethernet,
    };
    Ok(a)
}
