//! What a SCIM service provider says it supports (RFC 7644 §4): `/ServiceProviderConfig`, read
//! once per client, and the names of `/ResourceTypes` and `/Schemas` when present; and the
//! canonical spelling of the attribute names wtmap reads, since SCIM attribute names are
//! case-insensitive (RFC 7643 §2.1) and some servers answer `UserName`, `Name.GivenName`.
//!
//! A server without `/ServiceProviderConfig` gets today's defaults: PATCH and filters
//! supported, no Bulk, no ETags, no page cap. docs/scim.md, "What wtmap asks the server", says
//! how each answer changes what wtmap sends.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What the server supports, as it said (or the defaults when it did not say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Where this came from: `/ServiceProviderConfig`, or why the defaults apply.
    pub source: String,
    /// `patch.supported`: users and groups are changed by PATCH; else by PUT of the whole
    /// resource.
    pub patch: bool,
    /// `filter.supported`: lookups by `externalId` use a filter; else they list the endpoint.
    pub filter: bool,
    /// `filter.maxResults`: the most resources one page may hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<usize>,
    /// `bulk.supported`.
    pub bulk: bool,
    /// `bulk.maxOperations`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_max_operations: Option<usize>,
    /// `bulk.maxPayloadSize`, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_max_payload: Option<usize>,
    /// `etag.supported`: a PUT carries `If-Match` with the version read.
    pub etag: bool,
    /// The resource types `/ResourceTypes` names (empty when absent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_types: Vec<String>,
    /// The schema URNs `/Schemas` lists (empty when absent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
}

impl Capabilities {
    /// The defaults for a server that does not describe itself: what wtmap did before it asked.
    pub fn defaults(source: impl Into<String>) -> Capabilities {
        Capabilities {
            source: source.into(),
            patch: true,
            filter: true,
            max_results: None,
            bulk: false,
            bulk_max_operations: None,
            bulk_max_payload: None,
            etag: false,
            resource_types: Vec::new(),
            schemas: Vec::new(),
        }
    }

    /// Reads a `/ServiceProviderConfig` answer (already in canonical spelling). A feature the
    /// answer leaves out keeps its default.
    pub fn from_config(config: &Value) -> Capabilities {
        let mut caps = Capabilities::defaults("/ServiceProviderConfig");
        let feature = |name: &str| config.get(name).filter(|v| v.is_object());
        let supported = |name: &str| {
            feature(name)
                .and_then(|f| f.get("supported"))
                .and_then(as_bool)
        };
        let number = |name: &str, key: &str| {
            feature(name)
                .and_then(|f| f.get(key))
                .and_then(as_usize)
                .filter(|n| *n > 0)
        };
        if let Some(p) = supported("patch") {
            caps.patch = p;
        }
        if let Some(f) = supported("filter") {
            caps.filter = f;
        }
        caps.max_results = number("filter", "maxResults");
        caps.bulk = supported("bulk").unwrap_or(false);
        if caps.bulk {
            caps.bulk_max_operations = number("bulk", "maxOperations");
            caps.bulk_max_payload = number("bulk", "maxPayloadSize");
        }
        caps.etag = supported("etag").unwrap_or(false);
        caps
    }

    /// One line for reports: `PATCH yes, filter no, maxResults 200, Bulk no, ETag yes (from
    /// /ServiceProviderConfig)`.
    pub fn summary(&self) -> String {
        let yes = |b: bool| if b { "yes" } else { "no" };
        let mut parts = vec![
            format!("PATCH {}", yes(self.patch)),
            format!("filter {}", yes(self.filter)),
        ];
        if let Some(n) = self.max_results {
            parts.push(format!("maxResults {n}"));
        }
        if self.bulk {
            let mut b = "Bulk yes".to_string();
            if let Some(n) = self.bulk_max_operations {
                b.push_str(&format!(" (maxOperations {n}"));
                if let Some(p) = self.bulk_max_payload {
                    b.push_str(&format!(", maxPayloadSize {p}"));
                }
                b.push(')');
            }
            parts.push(b);
        } else {
            parts.push("Bulk no".to_string());
        }
        parts.push(format!("ETag {}", yes(self.etag)));
        format!("{} (from {})", parts.join(", "), self.source)
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn as_usize(v: &Value) -> Option<usize> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The attribute and message names wtmap reads, in their RFC spelling. A key that matches one
/// of them case-insensitively is renamed to it; any other key is kept as sent (custom paths
/// are matched case-insensitively where they are read, `ScimPath::get`).
const CANONICAL: &[&str] = &[
    // RFC 7643 core User and Group, and their sub-attributes.
    "id",
    "externalId",
    "userName",
    "name",
    "formatted",
    "familyName",
    "givenName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
    "value",
    "display",
    "type",
    "primary",
    "$ref",
    "members",
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
    // The enterprise extension.
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
    "manager",
    // meta.
    "meta",
    "resourceType",
    "created",
    "lastModified",
    "location",
    "version",
    // Messages: ListResponse, Error, Bulk.
    "schemas",
    "Resources",
    "totalResults",
    "startIndex",
    "itemsPerPage",
    "detail",
    "scimType",
    "status",
    "Operations",
    "method",
    "bulkId",
    "path",
    "response",
    // ServiceProviderConfig, ResourceTypes, Schemas.
    "patch",
    "bulk",
    "filter",
    "etag",
    "sort",
    "changePassword",
    "supported",
    "maxOperations",
    "maxPayloadSize",
    "maxResults",
    "authenticationSchemes",
    "endpoint",
    "schema",
    "schemaExtensions",
    "attributes",
    "description",
];

fn canonical_name(key: &str) -> Option<&'static str> {
    CANONICAL
        .iter()
        .find(|c| c.eq_ignore_ascii_case(key))
        .copied()
}

/// `value` with every known attribute name in its RFC spelling, at every depth
/// (`{"UserName": …, "Name": {"GivenName": …}}` → `{"userName": …, "name": {"givenName": …}}`).
/// A key whose canonical spelling is also present is left alone, so nothing is overwritten.
pub fn canonical(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        Value::Object(map) => {
            let present: Vec<String> = map.keys().cloned().collect();
            let mut out = Map::with_capacity(map.len());
            for (key, v) in map {
                let name = match canonical_name(&key) {
                    Some(c) if c != key && !present.iter().any(|p| p == c) => c.to_string(),
                    _ => key,
                };
                out.insert(name, canonical(v));
            }
            Value::Object(out)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pascal_case_answers_read_as_the_rfc_spells_them() {
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "Id": "u1", "UserName": "ann@x", "ExternalId": "E1", "Active": false,
            "Name": {"GivenName": "Ann", "FamilyName": "Lee"},
            "Emails": [{"Value": "ann@x", "Primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"EmployeeNumber": "7"},
            "CustomThing": "kept"
        });
        let c = canonical(user);
        assert_eq!(c["id"], "u1");
        assert_eq!(c["userName"], "ann@x");
        assert_eq!(c["externalId"], "E1");
        assert_eq!(c["active"], false);
        assert_eq!(c["name"]["givenName"], "Ann");
        assert_eq!(c["emails"][0]["value"], "ann@x");
        assert_eq!(c["emails"][0]["primary"], true);
        assert_eq!(
            c["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"],
            "7"
        );
        assert_eq!(c["CustomThing"], "kept");
        // Both spellings present: neither is lost.
        let both = canonical(json!({"id": "a", "ID": "b"}));
        assert_eq!(both, json!({"id": "a", "ID": "b"}));
    }

    #[test]
    fn service_provider_config_is_read_with_defaults_for_what_it_leaves_out() {
        let caps = Capabilities::from_config(&canonical(json!({
            "Patch": {"Supported": false},
            "Filter": {"Supported": true, "MaxResults": 50},
            "Bulk": {"Supported": true, "MaxOperations": 10, "MaxPayloadSize": 4096},
            "Etag": {"Supported": "true"}
        })));
        assert!(!caps.patch && caps.filter && caps.bulk && caps.etag);
        assert_eq!(caps.max_results, Some(50));
        assert_eq!(caps.bulk_max_operations, Some(10));
        assert_eq!(
            caps.summary(),
            "PATCH no, filter yes, maxResults 50, Bulk yes (maxOperations 10, maxPayloadSize \
             4096), ETag yes (from /ServiceProviderConfig)"
        );
        let empty = Capabilities::from_config(&json!({}));
        assert_eq!(
            empty,
            Capabilities {
                source: "/ServiceProviderConfig".into(),
                ..Capabilities::defaults("")
            }
        );
        // bulk off: its limits are not taken.
        let off =
            Capabilities::from_config(&json!({"bulk": {"supported": false, "maxOperations": 9}}));
        assert_eq!(off.bulk_max_operations, None);
    }
}
