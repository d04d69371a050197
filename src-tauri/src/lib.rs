pub fn run() {
    let _ = tauri::Builder::default();
}
