//! Simulator layer (`sim`): the user-management methods (document section 9),
//! as the simulated device carries them out.

use super::*;

impl Device {
    /// Carry out one of section 9's methods (`dispatch` routes here).
    pub(super) fn users(&mut self, m: &str, p: &P<'_>, sid: &str) -> R {
        match m {
            "get-users" => {
                let users: Vec<Value> = self
                    .cfg
                    .users
                    .iter()
                    .map(|u| json!({"id": u.id, "type": u.kind}))
                    .collect();
                Ok(json!({"result": RET_SUCCEED, "users": users}))
            }
            "add-user" => {
                let id = p.req_str("id")?;
                let pass = p.req_md5("pass")?;
                if !rules::is_user_id(id) {
                    return Err(ERR_STRING);
                }
                if self.cfg.users.iter().any(|u| u.id == id) {
                    return Err(ERR_SAME_NAME);
                }
                if self.cfg.users.len() >= 16 {
                    return Err(ERR_PARAM);
                }
                self.cfg.users.push(User {
                    id: id.to_string(),
                    pass_md5: pass,
                    kind: 2,
                });
                ok()
            }
            "del-user" => {
                let id = p.req_str("id")?;
                let pos = self
                    .cfg
                    .users
                    .iter()
                    .position(|u| u.id == id)
                    .ok_or(ERR_NO_USER)?;
                if self.cfg.users[pos].kind == 1 {
                    // The administrator cannot be deleted.
                    return Err(ERR_PARAM);
                }
                self.cfg.users.remove(pos);
                self.sessions.retain(|_, s| s.user != id);
                ok()
            }
            "ch-password" => {
                let old = p.req_md5("pass")?;
                let new = p.req_md5("new-pass")?;
                let user = self
                    .sessions
                    .get(sid)
                    .map(|s| s.user.clone())
                    .unwrap_or_default();
                let u = self
                    .cfg
                    .users
                    .iter_mut()
                    .find(|u| u.id == user)
                    .ok_or(ERR_NO_USER)?;
                if u.pass_md5 != old {
                    return Err(ERR_PASSWD);
                }
                u.pass_md5 = new;
                ok()
            }
            "set-password" => {
                let id = p.req_str("id")?;
                let pass = p.req_md5("pass")?;
                let u = self
                    .cfg
                    .users
                    .iter_mut()
                    .find(|u| u.id == id)
                    .ok_or(ERR_NO_USER)?;
                u.pass_md5 = pass;
                ok()
            }
            _ => Err(ERR_PARAM),
        }
    }
}
