//! Rotating the encryption key: link with key A, add key B in front of it,
//! run the `rewrap` command, remove A, and the account still verifies.

mod support;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::Method;
use support::*;

fn rewrap(database: &std::path::Path, current: &str, previous: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sps-connect-host"))
        .arg("rewrap")
        .env_clear()
        .env("SPS_CONNECT_DATABASE", database)
        .env("SPS_CONNECT_ENCRYPTION_KEY", current)
        .env("SPS_CONNECT_PREVIOUS_ENCRYPTION_KEYS", previous)
        .env("SPS_CONNECT_SESSION_KEY", STANDARD.encode(SESSION_KEY))
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_rotated_key_can_leave_the_ring_after_rewrap() {
    let token_url = token_server().await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("accounts.sqlite");
    let (a, b) = (STANDARD.encode([0xA1; 32]), STANDARD.encode([0xB2; 32]));
    let with = |current: &str, previous: &str| {
        config(
            &database,
            &token_url,
            &[("SPS_CONNECT_ENCRYPTION_KEY", current), ("SPS_CONNECT_PREVIOUS_ENCRYPTION_KEYS", previous)],
        )
    };
    let id = Host::start_on(with(&a, "")).await.connected_account("user-1").await;

    let only_b = Host::start_on(with(&b, "")).await;
    let (status, error) = only_b.admin(Method::POST, &format!("/api/sps/accounts/{id}/verify")).await;
    assert_eq!((status, error["error"].as_str()), (500, Some("internal_error")), "B alone cannot open A's seal");

    let ring = Host::start_on(with(&b, &a)).await;
    let (status, verified) = ring.admin(Method::POST, &format!("/api/sps/accounts/{id}/verify")).await;
    assert_eq!((status, verified["account"]["status"].as_str()), (200, Some("active")), "{verified}");

    let run = rewrap(&database, &b, &a);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(String::from_utf8_lossy(&run.stdout).starts_with("re-sealed 1 account(s)"), "{run:?}");
    let again = rewrap(&database, &b, &a);
    assert!(String::from_utf8_lossy(&again.stdout).contains("re-sealed 0 account(s)"), "running it again is harmless");

    let only_b = Host::start_on(with(&b, "")).await;
    let (status, verified) = only_b.admin(Method::POST, &format!("/api/sps/accounts/{id}/verify")).await;
    assert_eq!((status, verified["account"]["status"].as_str()), (200, Some("active")), "{verified}");
    let (status, _) =
        only_b.admin(Method::GET, &format!("/api/sps/accounts/{id}/proxy/transactions/v5/data/out/")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn rewrap_names_accounts_no_key_opens_and_fails() {
    let token_url = token_server().await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("accounts.sqlite");
    let a = STANDARD.encode([0xA1; 32]);
    let host = Host::start_on(config(&database, &token_url, &[("SPS_CONNECT_ENCRYPTION_KEY", &a)])).await;
    let id = host.connected_account("user-1").await;
    let run = rewrap(&database, &STANDARD.encode([0xC3; 32]), "");
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains(&id) && stderr.contains("no configured key"), "{stderr}");
}

#[test]
fn a_weak_admin_key_stops_the_binary_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_sps-connect-host"))
        .env_clear()
        .env("SPS_CONNECT_DATABASE", dir.path().join("accounts.sqlite"))
        .env("SPS_CONNECT_ENCRYPTION_KEY", STANDARD.encode([1u8; 32]))
        .env("SPS_CONNECT_SESSION_KEY", STANDARD.encode([2u8; 32]))
        .env("SPS_CONNECT_ADMIN_KEY", "admin123")
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.starts_with("sps-connect-host: SPS_CONNECT_ADMIN_KEY is too weak"), "{stderr}");
}

// Regression: demo keys left readable by others stayed so.
#[test]
fn demo_keys_and_their_folder_are_tightened_to_their_owner_on_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join(".demo");
    std::fs::create_dir(&keys).unwrap();
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o755)).unwrap();
    let admin = keys.join("admin.key");
    std::fs::write(&admin, ADMIN_KEY).unwrap();
    std::fs::set_permissions(&admin, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_sps-connect-host"))
        .arg("--demo")
        .current_dir(dir.path())
        .env_clear()
        .env("SPS_CONNECT_SESSION_TTL_SECS", "1")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&run.stderr).contains("SPS_CONNECT_SESSION_TTL_SECS"), "stopped after the keys");
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode(&keys), mode(&admin)), (0o700, 0o600));
    assert_eq!(mode(&keys.join("session.key")), 0o600, "a new key is made private");
    assert_eq!(std::fs::read_to_string(&admin).unwrap(), ADMIN_KEY, "the existing key is kept");
}
