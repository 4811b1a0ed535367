//! The device status mask (`cur-status`, section 1.4) and the storage
//! device status (`disk-status`, section 1.5), decoded to named flags.

use super::codes::cstr;
use std::ffi::CStr;

/// One named value of the document: a status bit or a disk status.
#[derive(Debug, Clone, Copy)]
pub struct Named {
    /// The bit (status mask) or the value (disk status).
    pub value: u32,
    /// The Rust constant's name (`STATUS_DISK_READY`); the C macro is
    /// `USAPI_` + it (the generated tables read it).
    pub ident: &'static str,
    /// The document's name ("statusDiskReady", "DiskValid").
    pub name: &'static str,
    /// `name`, NUL-terminated, for the C ABI.
    pub name_c: &'static CStr,
    /// What it means, in a few words ("" where the name says it all).
    pub meaning: &'static str,
}

macro_rules! named {
    ($table:ident, $pairs:ident, $doc:literal, $what:literal; $( $konst:ident = $val:expr, $name:literal, $meaning:literal; )*) => {
        $( #[doc = concat!("`", $name, "`", $what, $meaning, ".")] pub const $konst: u32 = $val; )*
        #[doc = $doc]
        pub static $table: &[Named] = &[ $( Named {
            value: $val,
            ident: stringify!($konst),
            name: $name,
            name_c: cstr(concat!($name, "\0")),
            meaning: $meaning,
        }, )* ];
        /// The same, as (value, name) pairs.
        pub static $pairs: &[(u32, &str)] = &[ $( ($val, $name), )* ];
    };
}

named! { STATUS_BITS, STATUS_FLAGS, "Every bit of the status mask, in ascending order.", " bit";
    STATUS_FIRST = 0x01, "statusFirst", "";
    STATUS_RECORD = 0x02, "statusRecord", "";
    STATUS_LIVING = 0x04, "statusLiving", "";
    STATUS_STREAM = 0x08, "statusStream", "";
    STATUS_DISK_READY = 0x10, "statusDiskReady", "";
    STATUS_RTMP_READY = 0x20, "statusRTMPReady", "";
    STATUS_SOFTAP = 0x40, "statusSoftAP", "";
    STATUS_MIC = 0x100, "statusMIC", "";
    STATUS_PHONE = 0x200, "statusPHONE", "";
    STATUS_OUTPUT = 0x400, "statusOutput", "";
    STATUS_DISK_TEST = 0x1000, "statusDiskTest", "";
    STATUS_BLUE = 0x2000, "statusBlue", "";
    STATUS_UPGRADE = 0x4000, "statusUpgrade", "";
    STATUS_NET_TEST = 0x8000, "statusNetTest", "";
    STATUS_PASSWD = 0x10000, "statusPasswd", "";
    STATUS_OCCUPIED = 0x20000, "statusOccupied", "";
    STATUS_FORMAT_DISK = 0x100000, "statusFormatDisk", "";
    STATUS_SEARCH_WIFI = 0x400000, "statusSearchWifi", "";
    STATUS_CONNECT_WIFI = 0x800000, "statusConnectWifi", "";
    STATUS_CONNECT_BLUE = 0x1000000, "statusConnectBlue", "";
    STATUS_CHECK_UPGRADE = 0x2000000, "statusCheckUpgrade", "";
    STATUS_RESET = 0x4000000, "statusReset", "";
    STATUS_IPV6 = 0x8000000, "stausIPv6", "";
    STATUS_TEST_LOCK = 0x10000000, "statusTestLock", "";
    STATUS_REBOOT = 0x20000000, "statusReboot", "";
}

// Storage device status values. These are values, not bits: the document
// lists 0x03/0x05 which overlap DiskValid, so decode by equality.
named! { DISK_STATUSES, DISK_PAIRS, "Every storage device status value (compare with ==).", ": ";
    DISK_NOT_DISK = 0x00, "NotDisk", "no storage device detected";
    DISK_VALID = 0x01, "DiskValid", "the storage device is valid (ready to record)";
    DISK_NOT_SPACE = 0x03, "NotSpace", "no free space left on the storage device";
    DISK_NOT_WRITE = 0x04, "NotWrite", "the storage device is not writable";
    DISK_LOW_SPACE = 0x05, "LowSpace", "less than 200 MB free (still recordable)";
    DISK_INVALID = 0x06, "DiskInvalid", "the storage device is invalid (formatting may help)";
}

/// Names of the set bits of a `cur-status` mask, in ascending bit order.
pub fn status_flag_names(mask: u32) -> Vec<&'static str> {
    STATUS_BITS
        .iter()
        .filter(|f| mask & f.value == f.value)
        .map(|f| f.name)
        .collect()
}

/// The document's name of one status bit ("statusDiskReady"), NUL-terminated
/// for C; `None` unless `bit` is exactly one documented bit.
pub fn status_flag_name_c(bit: u32) -> Option<&'static CStr> {
    STATUS_BITS
        .iter()
        .find(|f| f.value == bit)
        .map(|f| f.name_c)
}

/// Name of a `disk-status` value ("DiskValid"), "unknown" otherwise.
pub fn disk_status_name(v: u32) -> &'static str {
    DISK_STATUSES
        .iter()
        .find(|d| d.value == v)
        .map_or("unknown", |d| d.name)
}

/// True when the disk can be recorded to (valid, or valid but low on space).
pub fn disk_usable(v: u32) -> bool {
    v == DISK_VALID || v == DISK_LOW_SPACE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_documented_example() {
        // 65552 = 0x10010: the document's example mask.
        assert_eq!(
            status_flag_names(65552),
            vec!["statusDiskReady", "statusPasswd"]
        );
        assert_eq!(
            status_flag_names(65600),
            vec!["statusSoftAP", "statusPasswd"]
        );
        assert!(status_flag_names(0).is_empty());
    }

    #[test]
    fn disk_names() {
        assert_eq!(disk_status_name(5), "LowSpace");
        assert_eq!(disk_status_name(9), "unknown");
        assert!(disk_usable(DISK_LOW_SPACE) && !disk_usable(DISK_NOT_SPACE));
    }
}
