//! C ABI layer (`ffi`): the exports of the storage methods with arguments
//! (document section 4: media files).

use crate::ffi::device::{usapi_device, with_device};
use crate::ffi::{Failure, FfiResult, str_arg};
use crate::model::codes;
use std::ffi::c_char;

/// get-media-files: a page of recorded files; `disk_type` 0 USB, 1 SD.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_media_files(
    dev: usapi_device,
    disk_type: i32,
    start: i32,
    count: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        Ok(d.get_media_files_reply(disk_type as i64, start as i64, count as i64)?)
    })
}

/// del-media-files: delete `count` files named in `names` from disk
/// `disk_type` (0 USB, 1 SD).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_del_media_files(
    dev: usapi_device,
    disk_type: i32,
    names: *const *const c_char,
    count: usize,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        if names.is_null() {
            return Err(Failure::new(
                codes::E_NULL_ARGUMENT,
                "argument 'names' is NULL",
            ));
        }
        if count > 100_000 {
            return Err(Failure::new(
                codes::E_INVALID_ARGUMENT,
                "invalid argument 'count': at most 100000 names per call",
            ));
        }
        // SAFETY: the caller passes an array of `count` string pointers.
        let ptrs = unsafe { std::slice::from_raw_parts(names, count) };
        let list = ptrs
            .iter()
            .map(|p| str_arg(*p, "names[i]"))
            .collect::<FfiResult<Vec<&str>>>()?;
        Ok(d.del_media_files(disk_type as i64, &list)?)
    })
}
