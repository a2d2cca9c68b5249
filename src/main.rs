//! The `mailx` binary: a thin shell over the library; all behaviour lives in `mailx::run`.

fn main() {
    let code = mailx::run(std::env::args_os().collect());
    std::process::exit(code);
}
