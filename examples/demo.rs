//! The vendor demo's flow in Rust: log in, get info, upload firmware.
//!
//!     cargo run --example demo                                  # built-in simulator
//!     cargo run --example demo -- 10.0.0.5 Admin Admin fw.mwf   # a real device

use ultrastream::sim::{Model, SimOptions, Simulator, fake_firmware};
use ultrastream::{Device, Options};

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

fn run() -> Result<(), ultrastream::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // No device given: run against the built-in simulator.
    let sim = if args.is_empty() {
        Some(Simulator::start(SimOptions::default())?)
    } else {
        None
    };
    let host = match &sim {
        Some(s) => {
            println!(
                "(no device given: using the built-in simulator at {})\n",
                s.host()
            );
            s.host()
        }
        None => args[0].clone(),
    };
    let user = args.get(1).map_or("Admin", String::as_str);
    let password = args.get(2).map_or("Admin", String::as_str);
    let dev = Device::connect(&host, Options::default())?;

    println!("***** 1. login *****");
    dev.login(user, password)?;
    println!(
        "login response data:\n{}\n",
        pretty(&serde_json::json!({ "result": 0 }))
    );

    println!("***** 2. get info *****");
    let info = dev.call("get-info", &[])?;
    println!("get info response data:\n{}\n", pretty(&info.json()?));

    println!("***** 3. upload firmware *****");
    let reply = match (args.get(3), &sim) {
        (Some(path), _) => Some(dev.upload_update_file_reply(std::path::Path::new(path))?),
        // Only the simulator gets the test image; a real device needs a real file.
        (None, Some(_)) => Some(dev.upload_update_bytes_reply(
            "ultra_stream_hdmi_rev_c_1_2_123.mwf",
            &fake_firmware(Model::Hdmi, "1.2.123"),
        )?),
        (None, None) => None,
    };
    match reply {
        Some(r) => println!("upload firmware response data:\n{}", pretty(&r.json()?)),
        None => println!("(skipped: give a .mwf file as the fourth argument)"),
    }
    dev.logout()?;
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!(
            "error {} ({}): {e}",
            e.code(),
            ultrastream::model::codes::name(e.code())
        );
        std::process::exit(1);
    }
}
