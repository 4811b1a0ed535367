//! `ultrastream-sim`: run one or more simulated Ultra Stream encoders
//! (the program lives in `ultrastream::sim::cli`, shared with `ultrastream sim`).

fn main() -> std::process::ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    ultrastream::sim::cli::main("ultrastream-sim", &argv)
}
