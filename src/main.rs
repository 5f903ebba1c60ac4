fn main() {
    println!("sysgate");
}
