//! The `svp` binary: see `svp --help`.

fn main() -> std::process::ExitCode {
    svp::cli::main()
}
