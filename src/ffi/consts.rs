//! Every result code, status bit and disk status as a C constant, written
//! from `model::codes` and `model::status` by capi/src/generated.rs
//! (cbindgen copies literal values only): do not edit. After a change to
//! those tables run `ULTRASTREAM_UPDATE_GENERATED=1 cargo test -p
//! ultrastream-capi`, then `ULTRASTREAM_UPDATE_HEADER=1 cargo build`.

// Device result codes (vendor document, section 1.3), plus 36 for login.
/// retLivingAuthErr: live stream: authentication with the streaming server failed.
pub const USAPI_RET_LIVING_AUTH_ERR: i32 = 30;
/// retLivingNotset: live stream address is not set (no enabled streaming server).
pub const USAPI_RET_LIVING_NOTSET: i32 = 29;
/// retLivingDNS: live stream: resolving DNS.
pub const USAPI_RET_LIVING_DNS: i32 = 28;
/// retInit: initial status.
pub const USAPI_RET_INIT: i32 = 27;
/// retLivingAuthing: live stream: authorization in progress.
pub const USAPI_RET_LIVING_AUTHING: i32 = 25;
/// retLivingWaiting: live stream: waiting for connection to the stream server.
pub const USAPI_RET_LIVING_WAITING: i32 = 24;
/// retLivingConnecting: live stream: connecting to the stream server.
pub const USAPI_RET_LIVING_CONNECTING: i32 = 23;
/// retLivingConnected: live stream: connected to the stream server.
pub const USAPI_RET_LIVING_CONNECTED: i32 = 22;
/// retPushReboot: push: reboot.
pub const USAPI_RET_PUSH_REBOOT: i32 = 21;
/// retAudioSignalChange: audio signal changed.
pub const USAPI_RET_AUDIO_SIGNAL_CHANGE: i32 = 20;
/// retBlueWrite: bluetooth write.
pub const USAPI_RET_BLUE_WRITE: i32 = 19;
/// retBlueRead: bluetooth read.
pub const USAPI_RET_BLUE_READ: i32 = 18;
/// retBlueShutDown: bluetooth shut down.
pub const USAPI_RET_BLUE_SHUTDOWN: i32 = 17;
/// retDiskOn: storage device attached.
pub const USAPI_RET_DISK_ON: i32 = 16;
/// retDiskOff: storage device removed.
pub const USAPI_RET_DISK_OFF: i32 = 15;
/// retDiskChange: storage device changed.
pub const USAPI_RET_DISK_CHANGE: i32 = 14;
/// retSnapshotOver: snapshot finished.
pub const USAPI_RET_SNAPSHOT_OVER: i32 = 13;
/// retPushReset: push: reset.
pub const USAPI_RET_PUSH_RESET: i32 = 12;
/// retPushLiving: push: live streaming.
pub const USAPI_RET_PUSH_LIVING: i32 = 11;
/// retPushRecord: push: recording.
pub const USAPI_RET_PUSH_RECORD: i32 = 10;
/// retSignalChange: input signal changed.
pub const USAPI_RET_SIGNAL_CHANGE: i32 = 9;
/// retRouteChange: route changed.
pub const USAPI_RET_ROUTE_CHANGE: i32 = 8;
/// retIPChange: IP address changed.
pub const USAPI_RET_IP_CHANGE: i32 = 7;
/// retNetChange: network changed.
pub const USAPI_RET_NET_CHANGE: i32 = 6;
/// retCancel: the request was cancelled.
pub const USAPI_RET_CANCEL: i32 = 5;
/// retLowSpace: not enough free space on the storage device.
pub const USAPI_RET_LOW_SPACE: i32 = 4;
/// retLowSpeed: the storage device is too slow to record smooth video.
pub const USAPI_RET_LOW_SPEED: i32 = 3;
/// retRunning: the request is running.
pub const USAPI_RET_RUNNING: i32 = 2;
/// retRepeat: repeat request: the operation is already in that state.
pub const USAPI_RET_REPEAT: i32 = 1;
/// retSucceed: success.
pub const USAPI_RET_SUCCEED: i32 = 0;
/// errPasswd: wrong user name or password.
pub const USAPI_ERR_PASSWD: i32 = -1;
/// errOccupied: the device is being used by others (at most 2 sessions); log out another client.
pub const USAPI_ERR_OCCUPIED: i32 = -2;
/// errDisconnect: disconnected (reserved).
pub const USAPI_ERR_DISCONNECT: i32 = -3;
/// errDevice: device error.
pub const USAPI_ERR_DEVICE: i32 = -4;
/// errDisk: storage device error or not ready.
pub const USAPI_ERR_DISK: i32 = -5;
/// errUnconnect: not connected.
pub const USAPI_ERR_UNCONNECT: i32 = -6;
/// errKey: key error.
pub const USAPI_ERR_KEY: i32 = -7;
/// errVersion: version error.
pub const USAPI_ERR_VERSION: i32 = -8;
/// errBusy: the device is busy with a mutually exclusive operation; retry when it has finished.
pub const USAPI_ERR_BUSY: i32 = -9;
/// errParam: the device rejected the request parameters.
pub const USAPI_ERR_PARAM: i32 = -10;
/// errUsage: usage error (reserved).
pub const USAPI_ERR_USAGE: i32 = -11;
/// errTimeout: the device timed out.
pub const USAPI_ERR_TIMEOUT: i32 = -12;
/// errIP: IP error (reserved).
pub const USAPI_ERR_IP: i32 = -13;
/// errNotFound: data does not exist.
pub const USAPI_ERR_NOT_FOUND: i32 = -14;
/// errFile: error file.
pub const USAPI_ERR_FILE: i32 = -15;
/// errNoSpace: no free space on the storage device.
pub const USAPI_ERR_NO_SPACE: i32 = -16;
/// errNeedAuth: authentication required: log in first.
pub const USAPI_ERR_NEED_AUTH: i32 = -17;
/// errSystem: system error.
pub const USAPI_ERR_SYSTEM: i32 = -18;
/// errDiskSpeed: the storage device is too slow.
pub const USAPI_ERR_DISK_SPEED: i32 = -19;
/// errEmpty: empty.
pub const USAPI_ERR_EMPTY: i32 = -20;
/// errNetwork: network error.
pub const USAPI_ERR_NETWORK: i32 = -21;
/// errEvent: event error.
pub const USAPI_ERR_EVENT: i32 = -22;
/// errCodec: codec error.
pub const USAPI_ERR_CODEC: i32 = -23;
/// errBlue: bluetooth error.
pub const USAPI_ERR_BLUE: i32 = -24;
/// errNoUser: this user does not exist.
pub const USAPI_ERR_NO_USER: i32 = -25;
/// errSameName: the name already exists.
pub const USAPI_ERR_SAME_NAME: i32 = -27;
/// errString: input characters are not valid.
pub const USAPI_ERR_STRING: i32 = -28;
/// errChannelsLimited: at most 2 streaming servers can be enabled at once.
pub const USAPI_ERR_CHANNELS_LIMITED: i32 = -29;
/// err8MLimited: at 8 Mbps the encoder can stream to one server only.
pub const USAPI_ERR_8M_LIMITED: i32 = -30;
/// errFacebookLimited: Facebook cannot be streamed to together with other servers.
pub const USAPI_ERR_FACEBOOK_LIMITED: i32 = -31;
/// errCodecLimited: live streaming is not allowed while the main stream uses HEVC.
pub const USAPI_ERR_CODEC_LIMITED: i32 = -32;
/// err4GLimited: time-unit x bitrate would make a recording file larger than 4 GB.
pub const USAPI_ERR_4G_LIMITED: i32 = -33;
/// errMWFUnsupported: the update package does not match this model or hardware version.
pub const USAPI_ERR_MWF_UNSUPPORTED: i32 = -34;
/// retLoginFailed: wrong user or password (errPasswd: the document's login code 36; devices in the field answer -1); login failed, nothing changed.
pub const USAPI_RET_LOGIN_FAILED: i32 = 36;

// Library-side codes: -1000 down.
/// USAPI_E_INVALID_HANDLE: the device handle is 0, closed or unknown; open a device with usapi_device_open.
pub const USAPI_E_INVALID_HANDLE: i32 = -1000;
/// USAPI_E_NULL_ARGUMENT: a required pointer argument was NULL.
pub const USAPI_E_NULL_ARGUMENT: i32 = -1001;
/// USAPI_E_INVALID_UTF8: a string argument is not valid UTF-8.
pub const USAPI_E_INVALID_UTF8: i32 = -1002;
/// USAPI_E_INVALID_ARGUMENT: an argument breaks the API's rules; see usapi_last_error for the parameter and rule.
pub const USAPI_E_INVALID_ARGUMENT: i32 = -1003;
/// USAPI_E_CONNECT: could not connect to the device; check the address and that it is powered and reachable.
pub const USAPI_E_CONNECT: i32 = -1004;
/// USAPI_E_TIMEOUT: the device did not answer within the timeout.
pub const USAPI_E_TIMEOUT: i32 = -1005;
/// USAPI_E_HTTP_STATUS: the device answered with an HTTP error status.
pub const USAPI_E_HTTP_STATUS: i32 = -1006;
/// USAPI_E_BAD_REPLY: the device's reply is not the JSON the API describes.
pub const USAPI_E_BAD_REPLY: i32 = -1007;
/// USAPI_E_REPLY_TOO_LARGE: the device's reply exceeds the size limit.
pub const USAPI_E_REPLY_TOO_LARGE: i32 = -1008;
/// USAPI_E_PANIC: internal error (a bug in ultrastream); please report it.
pub const USAPI_E_PANIC: i32 = -1009;
/// USAPI_E_IO: the connection failed while sending or receiving.
pub const USAPI_E_IO: i32 = -1010;
/// USAPI_E_FILE: a local file could not be read or written.
pub const USAPI_E_FILE: i32 = -1012;
/// USAPI_E_SIMULATOR: the simulator could not be started or controlled.
pub const USAPI_E_SIMULATOR: i32 = -1013;
/// USAPI_E_UNKNOWN_METHOD: the method name is not one of the API's methods.
pub const USAPI_E_UNKNOWN_METHOD: i32 = -1014;
/// USAPI_E_DISCOVERY: device discovery failed (socket setup).
pub const USAPI_E_DISCOVERY: i32 = -1015;
/// USAPI_E_CANCELLED: the operation was cancelled by its progress callback.
pub const USAPI_E_CANCELLED: i32 = -1016;
/// USAPI_E_REDIRECT: the device answered with an HTTP redirect, which is never followed; check the address.
pub const USAPI_E_REDIRECT: i32 = -1017;
/// USAPI_E_VERIFY: the operation finished but its result did not check out (version, size); see usapi_last_error.
pub const USAPI_E_VERIFY: i32 = -1018;
/// USAPI_E_TRUNCATED: a value from the device is longer than its struct field; use the JSON function instead.
pub const USAPI_E_TRUNCATED: i32 = -1019;
/// USAPI_E_BUFFER_TOO_SMALL: the caller's array is too small: *out_count says how many entries are needed (the first `capacity` were filled).
pub const USAPI_E_BUFFER_TOO_SMALL: i32 = -1033;
/// USAPI_E_WATCH: the watcher cannot do this (e.g. stop itself from its own callback); see usapi_last_error.
pub const USAPI_E_WATCH: i32 = -1025;

// What a caller does about a failure (usapi_result_kind).
/// none of the kinds below (or not a failure).
pub const USAPI_KIND_OTHER: i32 = 0;
/// wrong user or password, or not logged in (-1, 36, -17): log in (again).
pub const USAPI_KIND_AUTH: i32 = 1;
/// the device is busy or held by two other clients (-9, -2): retry later.
pub const USAPI_KIND_BUSY: i32 = 2;
/// an argument was refused, by the library before sending or by the device (-1003, -1001, -1002, -10, -28).
pub const USAPI_KIND_INVALID_ARGUMENT: i32 = 3;
/// the device could not be reached or the connection broke (-1004, -1010).
pub const USAPI_KIND_CONNECTION: i32 = 4;
/// the device did not answer in time (-1005); also a connection failure.
pub const USAPI_KIND_TIMEOUT: i32 = 5;
/// the thing named does not exist (-14, -25).
pub const USAPI_KIND_NOT_FOUND: i32 = 6;
/// the built-in simulator could not be started or controlled (-1013).
pub const USAPI_KIND_SIMULATOR: i32 = 7;
/// a progress callback cancelled the operation (-1016).
pub const USAPI_KIND_CANCELLED: i32 = 8;

// Device status mask bits (`cur-status`, section 1.4).
/// statusFirst
pub const USAPI_STATUS_FIRST: u32 = 0x01;
/// statusRecord
pub const USAPI_STATUS_RECORD: u32 = 0x02;
/// statusLiving
pub const USAPI_STATUS_LIVING: u32 = 0x04;
/// statusStream
pub const USAPI_STATUS_STREAM: u32 = 0x08;
/// statusDiskReady
pub const USAPI_STATUS_DISK_READY: u32 = 0x10;
/// statusRTMPReady
pub const USAPI_STATUS_RTMP_READY: u32 = 0x20;
/// statusSoftAP
pub const USAPI_STATUS_SOFTAP: u32 = 0x40;
/// statusMIC
pub const USAPI_STATUS_MIC: u32 = 0x100;
/// statusPHONE
pub const USAPI_STATUS_PHONE: u32 = 0x200;
/// statusOutput
pub const USAPI_STATUS_OUTPUT: u32 = 0x400;
/// statusDiskTest
pub const USAPI_STATUS_DISK_TEST: u32 = 0x1000;
/// statusBlue
pub const USAPI_STATUS_BLUE: u32 = 0x2000;
/// statusUpgrade
pub const USAPI_STATUS_UPGRADE: u32 = 0x4000;
/// statusNetTest
pub const USAPI_STATUS_NET_TEST: u32 = 0x8000;
/// statusPasswd
pub const USAPI_STATUS_PASSWD: u32 = 0x10000;
/// statusOccupied
pub const USAPI_STATUS_OCCUPIED: u32 = 0x20000;
/// statusFormatDisk
pub const USAPI_STATUS_FORMAT_DISK: u32 = 0x100000;
/// statusSearchWifi
pub const USAPI_STATUS_SEARCH_WIFI: u32 = 0x400000;
/// statusConnectWifi
pub const USAPI_STATUS_CONNECT_WIFI: u32 = 0x800000;
/// statusConnectBlue
pub const USAPI_STATUS_CONNECT_BLUE: u32 = 0x1000000;
/// statusCheckUpgrade
pub const USAPI_STATUS_CHECK_UPGRADE: u32 = 0x2000000;
/// statusReset
pub const USAPI_STATUS_RESET: u32 = 0x4000000;
/// stausIPv6
pub const USAPI_STATUS_IPV6: u32 = 0x8000000;
/// statusTestLock
pub const USAPI_STATUS_TEST_LOCK: u32 = 0x10000000;
/// statusReboot
pub const USAPI_STATUS_REBOOT: u32 = 0x20000000;

// Storage device status values (`disk-status`, section 1.5); compare with ==.
/// NotDisk: no storage device detected.
pub const USAPI_DISK_NOT_DISK: u32 = 0x00;
/// DiskValid: the storage device is valid (ready to record).
pub const USAPI_DISK_VALID: u32 = 0x01;
/// NotSpace: no free space left on the storage device.
pub const USAPI_DISK_NOT_SPACE: u32 = 0x03;
/// NotWrite: the storage device is not writable.
pub const USAPI_DISK_NOT_WRITE: u32 = 0x04;
/// LowSpace: less than 200 MB free (still recordable).
pub const USAPI_DISK_LOW_SPACE: u32 = 0x05;
/// DiskInvalid: the storage device is invalid (formatting may help).
pub const USAPI_DISK_INVALID: u32 = 0x06;
