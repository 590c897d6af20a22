//! Peak resident memory of this process, as the kernel counts it (`VmHWM`).

/// Peak resident set size in bytes; `None` where `/proc/self/status` does not exist.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let mut parts = line["VmHWM:".len()..].split_whitespace();
    let value: u64 = parts.next()?.parse().ok()?;
    let unit = match parts.next() {
        Some("kB") | None => 1024,
        Some("mB") => 1024 * 1024,
        Some(_) => return None,
    };
    Some(value * unit)
}

#[cfg(test)]
mod tests {
    use super::parse_vm_hwm;

    #[test]
    fn reads_the_high_water_mark_in_bytes() {
        let status = "Name:\tx\nVmPeak:\t  9999 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(2048 * 1024));
    }

    #[test]
    fn no_line_means_unknown() {
        assert_eq!(parse_vm_hwm("Name:\tx\n"), None);
    }
}
