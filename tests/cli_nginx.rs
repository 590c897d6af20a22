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

/// A real nginx's own access log, through import, plant and bench: nginx on 127.0.0.1
/// serves a small API (`return` directives, no upstream) in its default `combined` log
/// format; scripted clients (addresses given by `X-Forwarded-For`, read by the realip
/// module) send 400 requests over about 4 seconds; the log is imported, a library
/// campaign planted on its user route and the result benched.
#[test]
fn a_real_nginx_log_imported_planted_and_benched() {
    let Some(nginx) = installed_nginx("import, plant and bench of a real nginx log") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("nginx");
    std::fs::create_dir_all(prefix.join("tmp")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let p = prefix.display();
    let config = format!(
        r#"worker_processes 1;
error_log {p}/error.log;
pid {p}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log {p}/access.log combined;
    client_body_temp_path {p}/tmp;
    proxy_temp_path {p}/tmp;
    fastcgi_temp_path {p}/tmp;
    uwsgi_temp_path {p}/tmp;
    scgi_temp_path {p}/tmp;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    server {{
        listen 127.0.0.1:{port};
        location ~ ^/api/users/[0-9]+$ {{ return 200 '{{"id":1,"name":"x"}}'; }}
        location ~ ^/api/users/[0-9]+/orders$ {{ return 200 '[]'; }}
        location = /api/login {{ return 200 'ok'; }}
        location = /health {{ return 204; }}
        location / {{ return 404; }}
    }}
}}
"#
    );
    std::fs::write(prefix.join("nginx.conf"), config).unwrap();
    let mut server = NginxProcess(
        Command::new(&nginx)
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(prefix.join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .spawn()
            .unwrap(),
    );
    let address = format!("127.0.0.1:{port}");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(&address).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "nginx did not start: {}",
            std::fs::read_to_string(prefix.join("error.log")).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let agents = [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) App/4.2",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0",
        "okhttp/4.12.0",
    ];
    for i in 0..400u32 {
        let user = 5000 + (i * 37) % 300;
        let path = match i % 5 {
            0 | 1 => format!("/api/users/{user}"),
            2 => format!("/api/users/{user}/orders"),
            3 => "/api/login".to_string(),
            _ => "/health".to_string(),
        };
        let client = format!("192.0.2.{}", 1 + i % 40);
        let status = get(&address, &path, &client, agents[(i % 3) as usize]);
        assert!(status.starts_with("HTTP/1.1 2"), "{path}: {status}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    server.stop();
    let log = prefix.join("access.log");

    let mine = dir.path().join("mine");
    let output = common::breachlab(&[
        "import",
        log.to_str().unwrap(),
        "--format",
        "combined",
        "--out",
        mine.to_str().unwrap(),
    ]);
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    assert!(
        said.contains("imported 400 events from 400 lines (0 bad)"),
        "{said}"
    );

    let planted = dir.path().join("planted");
    let output = common::breachlab(&[
        "plant",
        mine.to_str().unwrap(),
        "--scenario",
        "optus-2022",
        "--route",
        "/api/users/{id}",
        "--out",
        planted.to_str().unwrap(),
    ]);
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(planted.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["planted"]["imported_events"], 400);
    assert!(
        manifest["planted"]["events"].as_u64().unwrap() > 0,
        "{said}"
    );

    let output = common::breachlab(&[
        "bench",
        "--dataset",
        planted.to_str().unwrap(),
        "--detectors",
        "sequential,null",
    ]);
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    assert!(said.contains("Alarms on your traffic"), "{said}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(planted.join("report/report.json")).unwrap())
            .unwrap();
    let sequential = &report["detectors"][0];
    assert_eq!(sequential["name"], "sequential");
    assert_eq!(sequential["campaigns"][0]["name"], "optus-id-walk");
    // The walk through /api/users/{id} is what `sequential` looks for.
    assert_eq!(sequential["campaigns_detected"], 1, "{said}");
    assert!(sequential["alarms_on_your_traffic"]["alarms"].is_u64());
}

/// nginx running in the foreground; stopped gracefully (its log flushed) when the test
/// is done with it, or when the test fails.
struct NginxProcess(std::process::Child);

impl NginxProcess {
    fn stop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = Command::new("kill")
                .args(["-QUIT", &self.0.id().to_string()])
                .status();
            let _ = self.0.wait();
        }
    }
}

impl Drop for NginxProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One GET over its own connection; the status line of the answer.
fn get(address: &str, path: &str, client: &str, agent: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: {agent}\r\nX-Forwarded-For: {client}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.lines().next().unwrap_or_default().to_string()
}
