//! The device status mask (`cur-status`, section 1.4) and the storage
//! device status (`disk-status`, section 1.5), decoded to named flags.

macro_rules! flags {
    ($table:ident; $( $konst:ident = $val:expr, $name:literal; )*) => {
        $( #[doc = concat!("`", $name, "` bit.")] pub const $konst: u32 = $val; )*
        /// Every bit with its name, in ascending order.
        pub static $table: &[(u32, &str)] = &[ $( ($val, $name), )* ];
    };
}

flags! { STATUS_FLAGS;
    STATUS_FIRST = 0x01, "statusFirst";
    STATUS_RECORD = 0x02, "statusRecord";
    STATUS_LIVING = 0x04, "statusLiving";
    STATUS_STREAM = 0x08, "statusStream";
    STATUS_DISK_READY = 0x10, "statusDiskReady";
    STATUS_RTMP_READY = 0x20, "statusRTMPReady";
    STATUS_SOFTAP = 0x40, "statusSoftAP";
    STATUS_MIC = 0x100, "statusMIC";
    STATUS_PHONE = 0x200, "statusPHONE";
    STATUS_OUTPUT = 0x400, "statusOutput";
    STATUS_DISK_TEST = 0x1000, "statusDiskTest";
    STATUS_BLUE = 0x2000, "statusBlue";
    STATUS_UPGRADE = 0x4000, "statusUpgrade";
    STATUS_NET_TEST = 0x8000, "statusNetTest";
    STATUS_PASSWD = 0x10000, "statusPasswd";
    STATUS_OCCUPIED = 0x20000, "statusOccupied";
    STATUS_FORMAT_DISK = 0x100000, "statusFormatDisk";
    STATUS_SEARCH_WIFI = 0x400000, "statusSearchWifi";
    STATUS_CONNECT_WIFI = 0x800000, "statusConnectWifi";
    STATUS_CONNECT_BLUE = 0x1000000, "statusConnectBlue";
    STATUS_CHECK_UPGRADE = 0x2000000, "statusCheckUpgrade";
    STATUS_RESET = 0x4000000, "statusReset";
    STATUS_IPV6 = 0x8000000, "stausIPv6";
    STATUS_TEST_LOCK = 0x10000000, "statusTestLock";
    STATUS_REBOOT = 0x20000000, "statusReboot";
}

/// Storage device status values. These are values, not bits: the document
/// lists 0x03/0x05 which overlap DiskValid, so decode by equality.
/// NotDisk: no storage device detected.
pub const DISK_NOT_DISK: u32 = 0x00;
/// DiskValid: the storage device is valid (ready to record).
pub const DISK_VALID: u32 = 0x01;
/// NotSpace: no free space left on the storage device.
pub const DISK_NOT_SPACE: u32 = 0x03;
/// NotWrite: the storage device is not writable.
pub const DISK_NOT_WRITE: u32 = 0x04;
/// LowSpace: less than 200 MB free (still recordable).
pub const DISK_LOW_SPACE: u32 = 0x05;
/// DiskInvalid: the storage device is invalid (formatting may help).
pub const DISK_INVALID: u32 = 0x06;

/// Names of the set bits of a `cur-status` mask, in ascending bit order.
pub fn status_flag_names(mask: u32) -> Vec<&'static str> {
    STATUS_FLAGS
        .iter()
        .filter(|(bit, _)| mask & bit == *bit)
        .map(|(_, n)| *n)
        .collect()
}

/// Name of a `disk-status` value ("DiskValid"), "unknown" otherwise.
pub fn disk_status_name(v: u32) -> &'static str {
    match v {
        DISK_NOT_DISK => "NotDisk",
        DISK_VALID => "DiskValid",
        DISK_NOT_SPACE => "NotSpace",
        DISK_NOT_WRITE => "NotWrite",
        DISK_LOW_SPACE => "LowSpace",
        DISK_INVALID => "DiskInvalid",
        _ => "unknown",
    }
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
