//! C ABI layer (`ffi`): the exports of the user-management methods with
//! arguments (document section 9); passwords in are plain and hashed here.

use crate::ffi::device::{usapi_device, with_device};
use crate::ffi::str_arg;
use std::ffi::c_char;

/// add-user with a plain password (hashed by the library).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_add_user(
    dev: usapi_device,
    id: *const c_char,
    password: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        Ok(d.add_user(str_arg(id, "id")?, str_arg(password, "password")?)?)
    })
}

/// del-user.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_del_user(
    dev: usapi_device,
    id: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| Ok(d.del_user(str_arg(id, "id")?)?))
}

/// ch-password: change the logged-in user's password (plain passwords).
/// Later transparent re-logins use the new one.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_ch_password(
    dev: usapi_device,
    old_password: *const c_char,
    new_password: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        Ok(d.ch_password(
            str_arg(old_password, "old_password")?,
            str_arg(new_password, "new_password")?,
        )?)
    })
}

/// set-password: an administrator sets user `id`'s password (plain).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_password(
    dev: usapi_device,
    id: *const c_char,
    password: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        Ok(d.set_password(str_arg(id, "id")?, str_arg(password, "password")?)?)
    })
}
