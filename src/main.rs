//! The `redline` command line: a thin layer over the library.

fn main() {
    println!("redline");
}
