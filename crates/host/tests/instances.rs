//! Several host processes behind one PostgreSQL database: connects, relinks
//! and sessions work whichever instance a request reaches.

mod support;

use support::*;

// Regression: relinks racing on two instances must update one account, never fail or duplicate,
// and two deliverers polling one queue must not send an event twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_accounts_relinks_and_sessions() {
    let token_url = token_server().await;
    let database = postgres_database();
    let receiver = WebhookReceiver::default();
    let vars = instance_variables(&database, &token_url, &receiver.start(0).await);
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| start_instance(&vars));
        let b = scope.spawn(|| start_instance(&vars));
        (a.join().unwrap(), b.join().unwrap())
    });
    let instances = [&a.host, &b.host];

    let users: Vec<String> = (0..64).map(|n| format!("user-{n:02}")).collect();
    let links = users.iter().enumerate().map(|(n, user)| {
        let minted_by = instances[n % 2];
        let (first, second) = (instances[(n + 1) % 2], instances[n % 2]);
        async move {
            let session = minted_by.session(user).await;
            let keys = either_credentials(n);
            let (once, twice) = tokio::join!(first.connect(&session, keys.clone()), second.connect(&session, keys));
            (user.clone(), once, twice)
        }
    });
    let outcomes = futures::future::join_all(links).await;

    for (user, (status_a, body_a), (status_b, body_b)) in &outcomes {
        assert!([200, 201].contains(status_a) && [200, 201].contains(status_b), "{user}: {body_a} / {body_b}");
        assert_eq!(body_a["account"]["id"], body_b["account"]["id"], "{user}: one account for both connects");
    }
    let created: usize =
        outcomes.iter().map(|(_, (a, _), (b, _))| usize::from(*a == 201) + usize::from(*b == 201)).sum();
    assert_eq!(created, 64, "each user's account created once, then updated");

    for (n, user) in users.iter().enumerate() {
        let reader = instances[n % 2];
        let session = instances[(n + 1) % 2].session(user).await;
        let accounts = reader.accounts(&session).await;
        assert_eq!(accounts.len(), 1, "{user} has exactly one account");
        let expected = &outcomes[n].1 .1["account"]["id"];
        assert_eq!(&accounts[0]["id"], expected, "{user}: the account both instances see");
    }

    receiver.wait_for(128).await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let events = receiver.verified_events();
    let mut ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((events.len(), ids.len()), (128, 128), "every change reported exactly once");
    let of_type = |kind: &str| events.iter().filter(|e| e["type"] == kind).count();
    assert_eq!((of_type("account.created"), of_type("account.updated")), (64, 64));
}
