//! Rebuilds the crate when a template changes: askama reads `templates/` while compiling but
//! does not tell cargo, so an edit to a template alone would leave a stale binary.

fn main() {
    println!("cargo:rerun-if-changed=templates");
}
