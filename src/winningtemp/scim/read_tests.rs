use super::*;
use serde_json::json;

fn user(id: &str, ext: Option<&str>, name: &str, raw: Value) -> ScimUser {
    ScimUser {
        id: id.into(),
        external_id: ext.map(Into::into),
        username: name.into(),
        raw,
    }
}

fn group(id: &str, ext: Option<&str>, name: &str, members: &[&str]) -> ScimGroup {
    ScimGroup {
        id: id.into(),
        external_id: ext.map(Into::into),
        name: name.into(),
        members: members.iter().map(|m| m.to_string()).collect(),
    }
}

#[test]
fn users_groups_and_managers_become_state() {
    let mut dir = Directory::default();
    dir.put_user(user(
        "u1",
        Some("E1"),
        "ann@x.se",
        json!({"active": true, "name": {"givenName": "Ann", "familyName": "Berg"},
               "emails": [{"value": "ann@x.se", "primary": true}], "title": ""}),
    ));
    dir.put_user(user("u2", Some("E2"), "bo@x.se", json!({"active": false})));
    dir.put_user(user("u3", None, "hand@x.se", json!({})));
    dir.put_group(group("g1", Some("sales"), "Sales", &["u1", "u2", "ghost"]));
    dir.put_group(group(
        "g2",
        Some("sales:managers"),
        "Sales (managers)",
        &["u1"],
    ));
    dir.put_group(group("g3", None, "Made by hand", &["u3"]));
    dir.put_group(group("g4", Some("gone:managers"), "Orphan", &["u3"]));
    let state = dir.to_state(&AttributeMap::new(None).unwrap());
    let ann = &state.users[0];
    assert_eq!(ann.username, "ann@x.se");
    assert_eq!(ann.id.as_deref(), Some("u1"));
    assert_eq!(ann.status, UserStatus::Active);
    assert_eq!(
        ann.attributes.keys().collect::<Vec<_>>(),
        ["email", "first_name", "last_name"]
    );
    assert_eq!(state.users[1].status, UserStatus::Paused);
    assert_eq!(state.users[2].external_id, None);
    let teams: Vec<_> = state
        .teams
        .iter()
        .map(|t| (t.external_id.as_deref(), t.name.as_str()))
        .collect();
    assert_eq!(
        teams,
        [
            (None, "Made by hand"),
            (Some("gone:managers"), "Orphan"),
            (Some("sales"), "Sales")
        ]
    );
    let ms: Vec<_> = state
        .memberships
        .iter()
        .map(|m| (m.user.as_str(), m.team.as_str(), m.role))
        .collect();
    assert_eq!(
        ms,
        [
            ("ann@x.se", "sales", Role::Manager),
            ("bo@x.se", "sales", Role::Member),
            ("hand@x.se", "gone:managers", Role::Member),
        ]
    );
    crate::state::validate_state(&state, "scim").unwrap();
}

#[test]
fn attribute_types_follow_the_schema() {
    let raw = json!({
        "urn:x:User": {"birthday": "1990-06-14T00:00:00Z", "excluded": "true", "n": 7}
    });
    let block = crate::check::program::ConfigValue::Block(vec![
        (
            "birthday".into(),
            crate::check::program::ConfigValue::Text("urn:x:User:birthday".into()),
        ),
        (
            "exclude_from_surveys".into(),
            crate::check::program::ConfigValue::Text("urn:x:User:excluded".into()),
        ),
        (
            "employee_number".into(),
            crate::check::program::ConfigValue::Text("urn:x:User:n".into()),
        ),
    ]);
    let attrs = read_attributes(&raw, &AttributeMap::new(Some(&block)).unwrap());
    assert_eq!(
        attrs.get("birthday"),
        Some(&AttrValue::Text("1990-06-14".into()))
    );
    assert_eq!(
        attrs.get("exclude_from_surveys"),
        Some(&AttrValue::Bool(true))
    );
    assert_eq!(
        attrs.get("employee_number"),
        Some(&AttrValue::Text("7".into()))
    );
}

#[test]
fn renames_reindex() {
    let mut dir = Directory::default();
    dir.put_user(user("u1", Some("E1"), "Old@x.se", json!({})));
    assert!(dir.user_by_username("old@X.se").is_some());
    dir.rename_user("u1", "new@x.se");
    assert!(dir.user_by_username("old@x.se").is_none());
    assert_eq!(dir.user_by_username("NEW@x.se").unwrap().id, "u1");
    assert_eq!(dir.user_by_external_id("E1").unwrap().username, "new@x.se");
}

/// Issue 21, item 14: misbehaving SCIM servers on loopback. Each answers every request with
/// what `page` returns for the query's `startIndex` (a JSON body), or streams without end when
/// it returns `None`. Returns the base URL and a request counter.
mod misbehaving {
    use super::*;
    use crate::winningtemp::Secret;
    use crate::winningtemp::scim::client::{ClientOptions, ScimClient};
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    type Page = dyn Fn(usize) -> Option<String> + Send + Sync;

    fn serve(page: Arc<Page>) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v2", listener.local_addr().unwrap());
        let count = Arc::new(AtomicUsize::new(0));
        let counter = count.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (page, counter) = (page.clone(), counter.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut out = &stream;
                    loop {
                        let mut first = String::new();
                        if reader.read_line(&mut first).unwrap_or(0) == 0 {
                            return;
                        }
                        loop {
                            let mut line = String::new();
                            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                                break;
                            }
                        }
                        counter.fetch_add(1, Ordering::SeqCst);
                        let start = first
                            .split(['?', '&', ' '])
                            .find_map(|p| p.strip_prefix("startIndex="))
                            .and_then(|n| n.parse().ok())
                            .unwrap_or(1);
                        match page(start) {
                            Some(body) => {
                                let head = format!(
                                    "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ncontent-length: {}\r\n\r\n",
                                    body.len()
                                );
                                if out.write_all(head.as_bytes()).is_err()
                                    || out.write_all(body.as_bytes()).is_err()
                                {
                                    return;
                                }
                            }
                            None => {
                                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ntransfer-encoding: chunked\r\n\r\n";
                                if out.write_all(head.as_bytes()).is_err() {
                                    return;
                                }
                                let chunk = format!("10000\r\n{}\r\n", " ".repeat(0x10000));
                                while out.write_all(chunk.as_bytes()).is_ok() {}
                                return;
                            }
                        }
                    }
                });
            }
        });
        (url, count)
    }

    fn users(ids: impl Iterator<Item = usize>) -> Vec<Value> {
        ids.map(|i| json!({"id": format!("u{i}"), "userName": format!("u{i}@x.se")}))
            .collect()
    }

    fn list(total: usize, start: Option<usize>, resources: Vec<Value>) -> String {
        let mut v =
            json!({"totalResults": total, "itemsPerPage": resources.len(), "Resources": resources});
        if let Some(s) = start {
            v["startIndex"] = json!(s);
        }
        v.to_string()
    }

    async fn read(url: &str, options: ClientOptions) -> Result<Directory, ScimError> {
        let client = ScimClient::new(url, Secret::new("tok-paging"), 1, options).unwrap();
        read_directory(&client).await
    }

    fn options() -> ClientOptions {
        ClientOptions {
            page_size: 2,
            max_attempts: 1,
            ..ClientOptions::default()
        }
    }

    #[tokio::test]
    async fn a_server_ignoring_start_index_is_caught_on_the_second_page() {
        // The same first page whatever is asked, with or without a `startIndex` of its own.
        for echo in [None, Some(1)] {
            let (url, count) = serve(Arc::new(move |_| Some(list(1000, echo, users(1..=2)))));
            let err = read(&url, options()).await.unwrap_err();
            assert!(
                err.message.contains("startIndex"),
                "{echo:?}: {}",
                err.message
            );
            assert!(err.message.contains("GET /Users"), "{}", err.message);
            assert_eq!(count.load(Ordering::SeqCst), 2, "{echo:?}");
        }
    }

    #[tokio::test]
    async fn a_listing_longer_than_max_pages_fails_clearly() {
        // Always fresh resources, never the end.
        let (url, count) = serve(Arc::new(|start| {
            Some(list(usize::MAX / 2, Some(start), users(start..start + 2)))
        }));
        let err = read(
            &url,
            ClientOptions {
                max_pages: 5,
                ..options()
            },
        )
        .await
        .unwrap_err();
        assert!(err.message.contains("more than 5 pages"), "{}", err.message);
        assert!(err.message.contains("max_pages"), "{}", err.message);
        assert_eq!(count.load(Ordering::SeqCst), 5);
    }

    #[tokio::test]
    async fn an_answer_longer_than_the_cap_fails_by_length_or_while_streaming() {
        let cap = ClientOptions {
            max_response_bytes: 100_000,
            ..options()
        };
        // Announced by Content-Length.
        let big = list(
            1,
            Some(1),
            vec![json!({"id": "u1", "userName": "x".repeat(200_000)})],
        );
        let (url, _) = serve(Arc::new(move |_| Some(big.clone())));
        let err = read(&url, cap.clone()).await.unwrap_err();
        assert!(err.message.contains("max_response_mb"), "{}", err.message);
        // Streamed without end.
        let (url, _) = serve(Arc::new(|_| None));
        let err = read(&url, cap).await.unwrap_err();
        assert!(
            err.message.contains("longer than 100000 bytes"),
            "{}",
            err.message
        );
    }

    #[tokio::test]
    async fn a_server_that_pages_correctly_is_read_whole() {
        let (url, count) = serve(Arc::new(|start| {
            let end = (start + 2).min(6);
            Some(list(5, Some(start), users(start..end)))
        }));
        let dir = read(&url, options()).await.unwrap();
        assert_eq!(dir.users.len(), 5);
        assert!(count.load(Ordering::SeqCst) >= 3);
    }
}
