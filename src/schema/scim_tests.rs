use super::*;
use serde_json::json;

#[test]
fn parses_the_forms_identity_providers_use() {
    let p = ScimPath::parse("name.givenName").unwrap();
    assert_eq!(
        (p.attribute.as_str(), p.sub.as_deref()),
        ("name", Some("givenName"))
    );
    let p = ScimPath::parse("emails[primary eq true].value").unwrap();
    assert_eq!(p.filter.as_ref().unwrap().value, json!(true));
    assert_eq!(p.sub.as_deref(), Some("value"));
    let p = ScimPath::parse("phoneNumbers[type eq \"work\"].value").unwrap();
    assert_eq!(p.filter.as_ref().unwrap().value, json!("work"));
    let p = ScimPath::parse(&format!("{ENTERPRISE}:employeeNumber")).unwrap();
    assert_eq!(p.schema.as_deref(), Some(ENTERPRISE));
    assert_eq!(p.attribute, "employeeNumber");
    let p = ScimPath::parse(&format!("{ENTERPRISE}:manager.value")).unwrap();
    assert_eq!(
        (p.attribute.as_str(), p.sub.as_deref()),
        ("manager", Some("value"))
    );
    for bad in [
        "",
        "emails[primary eq true",
        "emails[primary gt 1].value",
        "emails[primary eq true]x",
        "urn:x",
        "1abc",
        "name.",
    ] {
        assert!(ScimPath::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn get_reads_case_insensitively_and_through_filters() {
    let user = json!({
        "userName": "a@x.se",
        "name": {"givenName": "Ann"},
        "emails": [{"value": "home@x.se"}, {"value": "a@x.se", "primary": true}],
        "phoneNumbers": [{"type": "Work", "value": "+46"}],
        ENTERPRISE: {"employeeNumber": "42"}
    });
    let get = |p: &str| ScimPath::parse(p).unwrap().get(&user).cloned();
    assert_eq!(get("Name.GivenName"), Some(json!("Ann")));
    assert_eq!(get("emails[primary eq true].value"), Some(json!("a@x.se")));
    assert_eq!(
        get("phoneNumbers[type eq \"work\"].value"),
        Some(json!("+46"))
    );
    assert_eq!(
        get(&format!("{ENTERPRISE}:employeeNumber")),
        Some(json!("42"))
    );
    assert_eq!(get("name.familyName"), None);
    assert_eq!(get("title"), None);
}

#[test]
fn set_builds_resources() {
    let mut user = json!({});
    for (p, v) in [
        ("name.givenName", json!("Ann")),
        ("name.familyName", json!("Berg")),
        ("emails[primary eq true].value", json!("a@x.se")),
        ("title", json!("Dev")),
    ] {
        ScimPath::parse(p).unwrap().set(&mut user, v);
    }
    ScimPath::parse(&format!("{ENTERPRISE}:employeeNumber"))
        .unwrap()
        .set(&mut user, json!("7"));
    assert_eq!(
        user,
        json!({
            "name": {"givenName": "Ann", "familyName": "Berg"},
            "emails": [{"primary": true, "value": "a@x.se"}],
            "title": "Dev",
            ENTERPRISE: {"employeeNumber": "7"}
        })
    );
}

#[test]
fn add_and_remove_paths_for_filtered_values() {
    let p = ScimPath::parse("emails[primary eq true].value").unwrap();
    assert_eq!(
        p.add_element(json!("a@x.se")),
        Some((
            "emails".to_string(),
            json!([{"primary": true, "value": "a@x.se"}])
        ))
    );
    assert_eq!(p.remove_path(), "emails[primary eq true]");
    let plain = ScimPath::parse("title").unwrap();
    assert_eq!(plain.add_element(json!("x")), None);
    assert_eq!(plain.remove_path(), "title");
}

#[test]
fn attribute_map_defaults_and_overrides() {
    let map = AttributeMap::new(None).unwrap();
    assert_eq!(map.path("first_name").unwrap().text, "name.givenName");
    assert_eq!(map.path("last_name").unwrap().text, "name.familyName");
    assert_eq!(
        map.path("email").unwrap().text,
        "emails[primary eq true].value"
    );
    assert!(map.path("username").is_none() && map.path("external_id").is_none());
    assert!(map.path("gender").is_none());
    let block = ConfigValue::Block(vec![
        (
            "gender".to_string(),
            ConfigValue::Text("urn:example:wt:2.0:User:gender".to_string()),
        ),
        (
            "title".to_string(),
            ConfigValue::Text("nickName".to_string()),
        ),
    ]);
    let map = AttributeMap::new(Some(&block)).unwrap();
    assert_eq!(map.path("gender").unwrap().attribute, "gender");
    assert_eq!(map.path("title").unwrap().text, "nickName");
    assert_eq!(
        map.extension_schemas(),
        vec![
            "urn:example:wt:2.0:User".to_string(),
            ENTERPRISE.to_string()
        ]
    );
    let moved = ConfigValue::Block(vec![(
        "username".to_string(),
        ConfigValue::Text("emails[primary eq true].value".to_string()),
    )]);
    assert!(AttributeMap::new(Some(&moved)).is_err());
}
