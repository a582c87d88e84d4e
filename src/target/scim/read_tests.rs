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
