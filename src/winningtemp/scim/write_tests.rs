use super::*;
use crate::schema::scim::ENTERPRISE;

fn text(s: &str) -> AttrValue {
    AttrValue::Text(s.into())
}

fn change(attribute: &str, from: Option<&str>, to: Option<&str>) -> Change {
    Change {
        attribute: attribute.to_string(),
        from: from.map(text),
        to: to.map(text),
        because: None,
    }
}

#[test]
fn a_new_user_carries_mapped_attributes_only() {
    let map = AttributeMap::new(None).unwrap();
    let attrs: Attributes = [
        ("first_name", text("Ann")),
        ("last_name", text("Berg")),
        ("email", text("ann@x.se")),
        ("employee_number", text("42")),
        ("gender", text("Female")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string().into(), v))
    .collect();
    let built = new_user("E1", "ann@x.se", &attrs, UserStatus::Paused, &map, true);
    assert_eq!(
        built.request,
        json!({
            "externalId": "E1", "userName": "ann@x.se", "active": false,
            "name": {"givenName": "Ann", "familyName": "Berg"},
            "emails": [{"primary": true, "value": "ann@x.se"}],
            ENTERPRISE: {"employeeNumber": "42"},
            "schemas": [USER_SCHEMA, ENTERPRISE]
        })
    );
    assert_eq!(built.not_carried, ["gender"]);
}

#[test]
fn without_an_email_the_username_is_the_primary_email() {
    let map = AttributeMap::new(None).unwrap();
    let built = new_user(
        "E1",
        "a@x.se",
        &Attributes::new(),
        UserStatus::Active,
        &map,
        true,
    );
    assert_eq!(
        built.request["emails"],
        json!([{"primary": true, "value": "a@x.se"}])
    );
    let built = new_user(
        "E1",
        "a@x.se",
        &Attributes::new(),
        UserStatus::Active,
        &map,
        false,
    );
    assert!(built.request.get("emails").is_none());
}

#[test]
fn updates_send_only_what_changes() {
    let map = AttributeMap::new(None).unwrap();
    let current = json!({"name": {"givenName": "Ann"}, "title": "Dev"});
    let built = user_changes(
        &[
            change("first_name", Some("Ann"), Some("Anna")),
            change("email", None, Some("anna@x.se")),
            change("title", Some("Dev"), None),
            change("phone", None, None),
            change("birthday", None, Some("1990-01-01")),
        ],
        Some("E9"),
        &current,
        &map,
        true,
    );
    assert_eq!(
        built.request,
        vec![
            json!({"op": "replace", "path": "externalId", "value": "E9"}),
            json!({"op": "replace", "path": "name.givenName", "value": "Anna"}),
            // The whole list, so no second copy of an address can be left behind.
            json!({"op": "replace", "path": "emails", "value": [{"primary": true, "value": "anna@x.se"}]}),
            json!({"op": "remove", "path": "title"}),
        ]
    );
    assert_eq!(built.not_carried, ["birthday"]);

    let current = json!({"emails": [{"value": "old@x.se", "primary": true}]});
    let built = user_changes(
        &[change("username", Some("old@x.se"), Some("new@x.se"))],
        None,
        &current,
        &map,
        true,
    );
    assert_eq!(
        built.request,
        vec![
            json!({"op": "replace", "path": "userName", "value": "new@x.se"}),
            json!({"op": "replace", "path": "emails", "value": [{"value": "new@x.se", "primary": true}]}),
        ]
    );
    let built = user_changes(
        &[change("email", Some("old@x.se"), None)],
        None,
        &current,
        &map,
        false,
    );
    assert_eq!(
        built.request,
        vec![json!({"op": "remove", "path": "emails[primary eq true]"})]
    );
}

#[test]
fn memberships_are_batched_patches() {
    let ids: Vec<String> = (0..230).map(|i| format!("u{i}")).collect();
    let batches = member_batches(&ids[..150], &ids[150..], MEMBER_BATCH);
    let sizes: Vec<(usize, usize)> = batches.iter().map(|(a, r)| (a.len(), r.len())).collect();
    assert_eq!(sizes, [(100, 0), (50, 50), (0, 30)]);
    let ops = member_operations(&ids[..2], &ids[2..4]);
    assert_eq!(
        ops,
        vec![
            json!({"op": "add", "path": "members", "value": [{"value": "u0"}, {"value": "u1"}]}),
            json!({"op": "remove", "path": "members[value eq \"u2\" or value eq \"u3\"]"}),
        ]
    );
    assert!(member_batches(&[], &[], MEMBER_BATCH).is_empty());
    assert_eq!(
        new_group("T1", "Sales"),
        json!({"schemas": [GROUP_SCHEMA], "externalId": "T1", "displayName": "Sales"})
    );
}

#[test]
fn a_new_primary_email_never_leaves_a_second_copy_of_an_address() {
    let map = AttributeMap::new(None).unwrap();
    let emails = |current: Value, to: &str| {
        let built = user_changes(
            &[change("email", Some("old@x.se"), Some(to))],
            None,
            &current,
            &map,
            false,
        );
        assert_eq!(built.request.len(), 1, "{:?}", built.request);
        assert_eq!(built.request[0]["path"], "emails");
        built.request[0]["value"].clone()
    };
    // The new address already listed as a second, non-primary entry: one copy, primary.
    let current = json!({"emails": [
        {"value": "old@x.se", "primary": true, "type": "work"},
        {"value": "NEW@x.se", "type": "home"}
    ]});
    assert_eq!(
        emails(current, "new@x.se"),
        json!([{"value": "new@x.se", "primary": true, "type": "work"}])
    );
    // No primary entry yet, the address listed without one: it becomes the primary entry.
    let current =
        json!({"emails": [{"value": "new@x.se"}, {"value": "other@x.se", "type": "home"}]});
    assert_eq!(
        emails(current, "new@x.se"),
        json!([{"value": "other@x.se", "type": "home"}, {"primary": true, "value": "new@x.se"}])
    );
    // The same address again (an update that is really a case change) stays one entry.
    let current = json!({"emails": [{"value": "old@x.se", "primary": true}]});
    assert_eq!(
        emails(current, "Old@x.se"),
        json!([{"value": "Old@x.se", "primary": true}])
    );
}

#[test]
fn operations_apply_locally_for_a_put() {
    let mut user = json!({
        "id": "u1", "userName": "a@x", "active": true, "title": "Dev",
        "name": {"givenName": "Ann"},
        "emails": [{"value": "a@x", "primary": true}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "1"}
    });
    let map = AttributeMap::new(None).unwrap();
    let mut ops = user_changes(
        &[
            change("first_name", Some("Ann"), Some("Anna")),
            change("email", Some("a@x"), Some("b@x")),
            change("title", Some("Dev"), None),
            change("phone", None, Some("+46 1")),
            change("employee_number", Some("1"), Some("2")),
        ],
        Some("E1"),
        &user,
        &map,
        false,
    )
    .request;
    ops.extend(set_active(false));
    apply_operations(&mut user, &ops).unwrap();
    assert_eq!(
        user,
        json!({
            "id": "u1", "userName": "a@x", "active": false,
            "name": {"givenName": "Anna"},
            "emails": [{"value": "b@x", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "2"},
            "externalId": "E1",
            "phoneNumbers": [{"type": "work", "value": "+46 1"}]
        })
    );
    let mut group =
        json!({"id": "g", "displayName": "T", "members": [{"value": "a"}, {"value": "b\"c"}]});
    let ops = [
        member_operations(&["c".into(), "a".into()], &["b\"c".into()]),
        rename_group("U"),
    ]
    .concat();
    apply_operations(&mut group, &ops).unwrap();
    assert_eq!(
        group,
        json!({"id": "g", "displayName": "U", "members": [{"value": "a"}, {"value": "c"}]})
    );
    let err = apply_operations(&mut group, &[json!({"op": "move", "path": "x"})]).unwrap_err();
    assert_eq!(err, "cannot apply a PATCH operation `move` x");
}
