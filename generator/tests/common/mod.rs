//! What the generator's test files share.

/// A `[[campaigns]]` table: an unauthenticated sequential walk named `walk`, over hours
/// 1 to 3 at half a request a second. The test appends the walk's own fields (`stride`).
pub const WALK_CAMPAIGN: &str = r#"[[campaigns]]
name = "walk"
start_h = 1
duration_h = 2
rate_per_s = 0.5
[campaigns.attack]
technique = "sequential_walk"
"#;
