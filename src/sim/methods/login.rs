//! Simulator layer (`sim`): login and logout (document section 8), as the
//! simulated device carries them out.

use super::*;

impl Device {
    /// Carry out one of section 8's methods (`dispatch` routes here).
    pub(super) fn login_section(&mut self, m: &str, sid: &str) -> R {
        match m {
            "logout" => {
                self.sessions.remove(sid);
                ok()
            }
            _ => Err(ERR_PARAM),
        }
    }

    pub(super) fn login(
        &mut self,
        p: &P<'_>,
        session: Option<&str>,
    ) -> Result<(Value, Option<String>), i32> {
        let id = p.req_str("id")?;
        let pass = p.get("pass").ok_or(ERR_PARAM)?.to_ascii_lowercase();
        let user_ok = self
            .cfg
            .users
            .iter()
            .any(|u| u.id == id && u.pass_md5 == pass);
        if !user_ok {
            return Err(ERR_PASSWD);
        }
        // A client logging in again with a live session keeps its slot.
        if let Some(sid) = session {
            if self.sessions.get(sid).is_some_and(|s| s.user == id) {
                return Ok((json!({"result": RET_SUCCEED}), Some(sid.to_string())));
            }
        }
        if self.sessions.len() >= MAX_SESSIONS {
            return Err(ERR_OCCUPIED);
        }
        let sid = new_sid();
        self.sessions.insert(
            sid.clone(),
            Session {
                user: id.to_string(),
                last: self.t,
            },
        );
        Ok((json!({"result": RET_SUCCEED}), Some(sid)))
    }
}
