//! The presets for the seed's four false-positive scenarios, shipped in `presets/` at the
//! repository root and embedded here so the app and the CLI offer them without files.

/// (file name, TOML text) of every preset, in the seed's order.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "maintenance-tasks.toml",
        include_str!("../../../../presets/maintenance-tasks.toml"),
    ),
    (
        "software-deployment.toml",
        include_str!("../../../../presets/software-deployment.toml"),
    ),
    (
        "admin-debugging.toml",
        include_str!("../../../../presets/admin-debugging.toml"),
    ),
    (
        "file-sync-tools.toml",
        include_str!("../../../../presets/file-sync-tools.toml"),
    ),
];

/// The preset named `name` (with or without `.toml`).
pub fn preset(name: &str) -> Option<&'static str> {
    let want = name.trim_end_matches(".toml");
    PRESETS
        .iter()
        .find(|(n, _)| n.trim_end_matches(".toml") == want)
        .map(|(_, t)| *t)
}
