//! The `mailx` binary: a thin shell over the library; all behaviour lives in `mailx::run`.
//!
//! On glibc Linux the binary starts from the library's C entry point
//! `mailx::mailx_c_main` (build.rs has the linker name it `main`; see its
//! comment in `sys` for what Rust's runtime start-up would cost and what
//! it does instead); elsewhere from Rust's `main` below.

#![cfg_attr(all(target_os = "linux", target_env = "gnu"), no_main)]

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn main() {
    let code = mailx::run(std::env::args_os().collect());
    std::process::exit(code);
}

/// Keeps the entry point in the binary.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[used]
static ENTRY: extern "C" fn(std::ffi::c_int, *const *const std::ffi::c_char) -> std::ffi::c_int =
    mailx::mailx_c_main;
