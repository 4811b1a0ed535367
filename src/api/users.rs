//! User management (document section 9). Passwords are plain here and
//! hashed with MD5 before they leave the library.

use super::Method;
use crate::client::{Device, Reply, Result, md5_hex};
use crate::model::Users;

impl Device {
    /// get-users.
    pub fn get_users(&self) -> Result<Users> {
        self.send(Method::GetUsers, &[], None)?.parse()
    }
    /// add-user.
    pub fn add_user(&self, id: &str, password: &str) -> Result<Reply> {
        self.send_hiding(
            Method::AddUser,
            &[("id", id), ("pass", &md5_hex(password))],
            &[password],
        )
    }
    /// del-user.
    pub fn del_user(&self, id: &str) -> Result<Reply> {
        self.send(Method::DelUser, &[("id", id)], None)
    }
    /// ch-password: change the logged-in user's password. On success the
    /// stored credentials follow, so a later re-login uses the new one.
    pub fn ch_password(&self, old: &str, new: &str) -> Result<Reply> {
        let new_md5 = md5_hex(new);
        let r = self.send_hiding(
            Method::ChPassword,
            &[("pass", &md5_hex(old)), ("new-pass", &new_md5)],
            &[old, new],
        )?;
        self.replace_stored_password(new_md5);
        Ok(r)
    }
    /// set-password: an administrator resets another user's password.
    pub fn set_password(&self, id: &str, password: &str) -> Result<Reply> {
        self.send_hiding(
            Method::SetPassword,
            &[("id", id), ("pass", &md5_hex(password))],
            &[password],
        )
    }
}
