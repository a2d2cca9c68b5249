//! Build script, for glibc Linux targets: the binary's `main` is the
//! library's C entry point `mailx_c_main` (src/sys.rs says why), and the
//! unwinder is linked statically.
//!
//! Rust's standard library on `*-linux-gnu` takes its unwinder from the
//! shared library `libgcc_s.so.1`. Loading it costs every start of `mailx`
//! about 0.1–0.15 ms of CPU (docs/BENCHMARKS.md, "Where the time goes:
//! sending one message"): opening, mapping and relocating it, and its
//! constructor `__cpu_indicator_init`, whose `cpuid` instructions are slow
//! in a virtual machine. bsd-mailx, a C program, loads no such library. The same unwinder
//! is in the static archive `libgcc_eh.a` (what `gcc -static-libgcc` links),
//! so this script puts a one-line linker script named `libgcc_s.a` first on
//! the library search path: the `-lgcc_s` that std asks for then reads
//! `INPUT(-lgcc_eh)`. Panics unwind exactly as before (`catch_unwind`
//! works the same); only where the unwinder's code lives changes.
//!
//! Nothing is done (the shared `libgcc_s` is used as usual) for other
//! targets, fully static builds (std links `libgcc_eh` itself then), fuzz
//! and sanitizer builds, when the C compiler does not know `libgcc_eh.a`,
//! or when `MAILX_SHARED_LIBGCC` is set.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |k: &str| env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" {
        // The binary is `#![no_main]` there: its `main` is the library's
        // C entry point (`sys::mailx_c_main`).
        println!("cargo:rustc-link-arg-bins=-Wl,--defsym=main=mailx_c_main");
    }
    static_unwinder();
}

/// See the module comment.
fn static_unwinder() {
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    println!("cargo:rerun-if-env-changed=MAILX_SHARED_LIBGCC");
    let var = |k: &str| env::var(k).unwrap_or_default();
    let applies = var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
        && !var("CARGO_CFG_TARGET_FEATURE")
            .split(',')
            .any(|f| f == "crt-static")
        && env::var_os("CARGO_CFG_FUZZING").is_none()
        && env::var_os("CARGO_CFG_SANITIZE").is_none()
        && env::var_os("MAILX_SHARED_LIBGCC").is_none();
    if !applies || !knows_libgcc_eh() {
        return;
    }
    let Some(out) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        return;
    };
    if std::fs::write(out.join("libgcc_s.a"), "INPUT(-lgcc_eh)\n").is_ok() {
        println!("cargo:rustc-link-search=native={}", out.display());
    }
}

/// Does the C compiler that links the program (rustc's default `cc`, or the
/// configured linker) find `libgcc_eh.a`? It prints the full path of a
/// library it knows, and the bare name of one it does not.
fn knows_libgcc_eh() -> bool {
    let cc = env::var("RUSTC_LINKER").unwrap_or_else(|_| "cc".to_string());
    let Ok(out) = Command::new(cc)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
    else {
        return false;
    };
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    out.status.success() && Path::new(&path).is_absolute() && Path::new(&path).is_file()
}
