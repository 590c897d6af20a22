//! A campaign-table row: what the sources say of the campaign or cohort they generate and
//! the plan collects. It lives apart from both so that the sources, which build it, and
//! the plan, which holds the sources, do not import each other.

/// A planted attack campaign or a benign look-alike cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignMeta {
    pub id: i32,
    pub name: String,
    pub is_attack: bool,
    pub technique: &'static str,
    pub start_us: i64,
    pub end_us: i64,
    pub owasp_api: Option<String>,
    pub oat: Option<String>,
    pub attack_technique: Option<String>,
    /// A deliberately unsophisticated attack that one field may give away.
    pub naive: bool,
}

impl CampaignMeta {
    pub fn kind(&self) -> &'static str {
        if self.is_attack { "attack" } else { "benign" }
    }
}
