//! Model layer (`model`): the get-users reply (document section 9).

use super::*;
use serde::{Deserialize, Serialize};

/// One entry of get-users' `users` list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct User {
    /// The user name.
    #[serde(deserialize_with = "lenient_string")]
    pub id: String,
    /// 1 admin, 2 general user.
    #[serde(rename = "type", deserialize_with = "lenient_i64")]
    pub kind: i64,
}

/// Reply of get-users.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Users {
    /// The result code (0 success; see `model::codes`).
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    /// The users.
    #[serde(deserialize_with = "lenient_vec")]
    pub users: Vec<User>,
}
