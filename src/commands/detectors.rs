//! `breachlab detectors`: the registry, with each parameter's default and meaning.

use breachlab_detectors::registry;

pub fn run() -> anyhow::Result<()> {
    super::write_stdout(&listing())
}

fn listing() -> String {
    let mut out = String::new();
    for info in registry() {
        out.push_str(&format!("{}\n    {}\n", info.name, info.description));
        for param in info.params {
            out.push_str(&format!(
                "    --param {}.{}={}\n        {}\n",
                info.name,
                param.name,
                param.default.value(),
                param.meaning
            ));
        }
        out.push('\n');
    }
    out
}
