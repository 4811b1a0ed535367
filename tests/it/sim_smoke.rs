//! Smoke test: the simulator answers the client's basic flow.

use ultrastream::sim::{SimOptions, Simulator};
use ultrastream::{Device, Options};

#[test]
fn login_status_settings_logout() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    let dev = Device::connect(&sim.host(), Options::default()).unwrap();
    assert_eq!(dev.ping().unwrap().cur_status, 0x10010);
    dev.login("Admin", "Admin").unwrap();
    let info = dev.get_info().unwrap();
    assert_eq!(info.product.max_lock_count, 2);
    assert_eq!(info.codec_cap.gop_sec.len(), 6);
    let st = dev.get_status().unwrap();
    assert_eq!(st.usb.disk_status, 1);
    let s = dev.get_settings().unwrap();
    assert_eq!(s.main_stream.kbps, 4096);
    dev.set_name("My Box+1 'A'").unwrap();
    assert_eq!(dev.get_settings().unwrap().name, "My Box+1 'A'");
    dev.logout().unwrap();
    println!("{}", sim.control(r#"{"cmd":"state"}"#).unwrap());
}
