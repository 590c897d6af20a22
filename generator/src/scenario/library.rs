//! The scenario library, embedded in the binary so that every command works on a fresh
//! checkout with no other file. The same files live in the workspace's `scenarios/`.

/// A library scenario: its name and text.
#[derive(Debug, Clone, Copy)]
pub struct LibraryEntry {
    pub name: &'static str,
    pub text: &'static str,
}

/// The scenario used when none is named.
pub const DEFAULT_SCENARIO: &str = "default";

macro_rules! library {
    ($($name:literal),+ $(,)?) => {
        /// Every library scenario, in listing order.
        pub const LIBRARY: &[LibraryEntry] = &[
            $(LibraryEntry { name: $name, text: include_str!(concat!("../../../scenarios/", $name, ".toml")) }),+
        ];
    };
}

library![
    "default",
    "benign-only",
    "tmobile-2023",
    "optus-2022",
    "dell-2024",
    "trello-2024",
    "authy-2024",
    "twitter-2019",
    "venmo-2019",
    "panera-2018",
];

/// The library entry called `name`, if any.
pub fn find(name: &str) -> Option<&'static LibraryEntry> {
    LIBRARY.iter().find(|e| e.name == name)
}
