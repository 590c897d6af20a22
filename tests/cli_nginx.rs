//! `integrations/nginx/run.sh` end to end: a real nginx on 127.0.0.1 between `breachlab
//! replay` and `breachlab origin`, its log turned into alerts and scored. Skipped, with a
//! message saying so, where nginx is not installed. Bounded: 2000 events, a few seconds.

mod common;

use common::{generated_dataset, text};
use std::path::Path;
use std::process::Command;

/// The nginx binary, or `None` after a SKIP line saying that the `test` test did not run.
fn installed_nginx(test: &str) -> Option<String> {
    let found = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    if found.is_none() {
        println!(
            "SKIP: nginx is not installed (Debian: apt-get install nginx); the {test} test did not run"
        );
    }
    found.map(str::to_string)
}

fn run(dir: &Path, out: &Path, nginx: &str, env: &[(&str, &str)]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("integrations/nginx/run.sh");
    let result = Command::new("bash")
        .arg(script)
        .arg(dir)
        .env("BREACHLAB_BIN", env!("CARGO_BIN_EXE_breachlab"))
        .env("NGINX", nginx)
        .env("OUT", out)
        .env("LIMIT", "2000")
        .env("SPEED", "2000")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let said = text(&result);
    assert!(result.status.success(), "run.sh failed:\n{said}");
    said
}

#[test]
fn nginx_limit_req_between_replay_and_origin_loses_nothing_and_is_scored() {
    let Some(nginx) = installed_nginx("nginx replay") else {
        return;
    };
    let (tmp, dir) = generated_dataset("0.002", &[]);

    // A strict limit (one request per 20 dataset seconds, burst 1) so that limit_req fires
    // on this short stretch of benign traffic.
    let out_dir = tmp.path().join("strict");
    let said = run(&dir, &out_dir, &nginx, &[("RATE", "0.05"), ("BURST", "1")]);
    assert!(
        said.contains("nothing lost: nginx logged all 2000 events once"),
        "{said}"
    );
    assert!(
        said.contains("rate 0.05 r/s burst 1 per client in dataset time = 100r/s at --speed 2000"),
        "{said}"
    );
    let alerts = std::fs::read_to_string(out_dir.join("alerts.csv")).unwrap();
    let flagged = alerts.lines().filter(|l| l.parse::<i64>().is_ok()).count();
    assert!(
        flagged > 0,
        "a 0.05 r/s limit rejects some of these 2000 events:\n{said}"
    );
    let log = std::fs::read_to_string(out_dir.join("access.log")).unwrap();
    let rejected = log
        .lines()
        .filter(|l| l.contains("\tREJECTED_DRY_RUN\t"))
        .count();
    assert_eq!(rejected, flagged, "every dry-run rejection is an alert");
    // Dry run: every request still reached the origin.
    let seen = std::fs::read_to_string(out_dir.join("origin-seen.txt")).unwrap();
    assert_eq!(seen.lines().count(), 2000);
    assert!(out_dir.join("report/report.json").exists());
    assert!(
        said.contains("| nginx-limit_req-0.05rps-b1 (nginx "),
        "{said}"
    );

    // Enforcing: rejected requests get 429 from nginx and never reach the origin.
    let out_dir = tmp.path().join("enforce");
    let said = run(
        &dir,
        &out_dir,
        &nginx,
        &[("RATE", "0.05"), ("BURST", "1"), ("MODE", "enforce")],
    );
    assert!(said.contains("nothing lost"), "{said}");
    let log = std::fs::read_to_string(out_dir.join("access.log")).unwrap();
    let rejected: Vec<&str> = log.lines().filter(|l| l.contains("\tREJECTED\t")).collect();
    assert!(!rejected.is_empty());
    assert!(
        rejected.iter().all(|l| l.split('\t').nth(1) == Some("429")
            && matches!(l.split('\t').nth(3), Some("-" | "")))
    );
    let seen = std::fs::read_to_string(out_dir.join("origin-seen.txt")).unwrap();
    assert_eq!(seen.lines().count(), 2000 - rejected.len());
}

#[test]
fn nginx_modsecurity_crs_runs_where_installed() {
    let Some(nginx) = installed_nginx("ModSecurity replay") else {
        return;
    };
    if !Path::new("/usr/lib/nginx/modules/ngx_http_modsecurity_module.so").exists()
        || !Path::new("/etc/modsecurity/crs/crs-setup.conf").exists()
    {
        println!(
            "SKIP: ModSecurity for nginx or the OWASP CRS is not installed (Debian: apt-get install libnginx-mod-http-modsecurity modsecurity-crs)"
        );
        return;
    }
    let (tmp, dir) = generated_dataset("0.002", &[]);
    let out_dir = tmp.path().join("modsec");
    let said = run(
        &dir,
        &out_dir,
        &nginx,
        &[("CONFIG", "modsecurity"), ("LIMIT", "500")],
    );
    assert!(
        said.contains("nothing lost: nginx logged all 500 events once"),
        "{said}"
    );
    assert!(said.contains("| nginx-modsecurity (nginx "), "{said}");
}
