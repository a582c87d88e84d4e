//! Worknice's GraphQL API: one `POST <url>/api/graphql` with the `worknice-api-token` header
//! (not `Authorization`), reading `session.org.people` with `includeArchived` so that
//! terminated people come back and can be paused. Worknice returns everyone at once.
//!
//! The selection is the fields Worknice's own integration code reads, plus every field the
//! mapping reads; fields whose API names are unconfirmed (`employmentBasis`, …) are asked for
//! only when a mapping uses them, so a wrong guess cannot break mappings that do not need it.
//! Status values other than `ACTIVE` are undocumented: any value is passed through. GraphQL
//! `errors` (which come with HTTP 200) end the fetch with their messages.
//!
//! The wire facts, documented and inferred, and the emulator that follows them: `WIRE.md`.

mod fields;
mod shape;

use super::collect::{Collector, id_text};
use super::error::ConnectorError;
use super::http::Http;
use super::{Connector, Ctx, join};
use reqwest::Method;
use serde_json::{Value, json};

/// The system's name in messages.
pub(super) const SYSTEM: &str = "Worknice";

/// The `worknice` source kind, registered in `connectors`' `registry!`.
pub(crate) const CONNECTOR: Connector = Connector {
    kind: "worknice",
    system: SYSTEM,
    shape: &shape::SHAPE,
    url_setting: "url",
    external_id: "id",
    source: fields::kind,
    fetch: |ctx| Box::pin(fetch(ctx)),
    units: None,
};

/// Fields seen in Worknice's own integration code, always asked for.
const CONFIRMED: &[&str] = &[
    "id",
    "displayName",
    "status",
    "role",
    "employeeCode",
    "profileEmail",
    "startDate",
    "profileBirthday.day",
    "profileBirthday.month",
    "location.name",
    "currentJob.position.title",
    "currentJob.position.manager.currentJob.person.id",
    "currentJob.position.manager.currentJob.person.displayName",
];

/// Fetches every person.
pub(super) async fn fetch(ctx: &Ctx<'_>) -> Result<Collector, ConnectorError> {
    let s = &ctx.settings;
    let base = s.base_url("url", ctx.base_url)?;
    let token = s.secret("token")?;
    let include_archived = s.bool("include_archived")?.unwrap_or(true);
    let query = query(ctx.fields)?;
    let http = Http::new(
        ctx.client,
        SYSTEM,
        ctx.policy,
        vec![token.expose().to_owned()],
    );
    let body = json!({"query": query, "variables": {"includeArchived": include_archived}});
    let reply = http
        .send(Method::POST, join(&base, "/api/graphql")?, |r| {
            r.header("worknice-api-token", token.expose()).json(&body)
        })
        .await?;
    let auth_help = || {
        Some(
            "check the Worknice API token; a token stops working when its integration is archived"
                .to_owned(),
        )
    };
    if matches!(reply.status, 401 | 403) {
        return Err(reply
            .call
            .auth(reply.status, http.message(&reply), auth_help()));
    }
    if !reply.ok() && !is_json(&reply.body) {
        let help = (reply.status == 404)
            .then(|| "check `url`: it is the site root, e.g. `https://app.worknice.com`".into());
        return Err(reply.call.status(reply.status, http.message(&reply), help));
    }
    let mut response = reply.json()?;
    if let Some(messages) = errors(&response) {
        let lower = messages.to_lowercase();
        let help = if lower.contains("cannot query field") {
            Some("Worknice does not know a field wtmap asked for; remove it from the mapping (only the fields of Worknice's own integration are confirmed, see docs/connectors.md)".into())
        } else if ["unauthor", "forbidden", "token", "authenticat"]
            .iter()
            .any(|w| lower.contains(w))
        {
            auth_help()
        } else {
            None
        };
        return Err(ConnectorError::GraphQl {
            system: SYSTEM,
            method: reply.call.method.clone(),
            endpoint: reply.call.endpoint.clone(),
            status: reply.status,
            messages: http.redact(&messages),
            help,
        });
    }
    if !reply.ok() {
        return Err(reply.call.status(reply.status, http.message(&reply), None));
    }
    let people = match response
        .pointer_mut("/data/session/org/people")
        .map(Value::take)
    {
        Some(Value::Array(people)) => people,
        _ => {
            return Err(reply
                .call
                .malformed(reply.status, "it has no list at `data.session.org.people`"));
        }
    };
    let mut out = Collector::new(SYSTEM, &shape::SHAPE, |p| id_text(p.get("id")));
    out.add_page(&reply, people, "")?;
    ctx.progress.update(SYSTEM, out.len(), Some(out.len()));
    out.requests = http.requests();
    Ok(out)
}

fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).is_ok()
}

/// The `errors` of a GraphQL response as one line, each with its path when given.
fn errors(response: &Value) -> Option<String> {
    let errors = response.get("errors")?.as_array()?;
    if errors.is_empty() {
        return None;
    }
    let messages: Vec<String> = errors
        .iter()
        .map(|e| {
            let message = e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("(no message)");
            match e.get("path").and_then(Value::as_array) {
                Some(path) if !path.is_empty() => {
                    let path: Vec<String> = path
                        .iter()
                        .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                        .collect();
                    format!("{message} (at {})", path.join("."))
                }
                _ => message.to_owned(),
            }
        })
        .collect();
    Some(messages.join("; "))
}

/// The people query: confirmed fields plus the mapping's.
pub(super) fn query(fields: &[String]) -> Result<String, ConnectorError> {
    let mut tree = Tree::default();
    for path in CONFIRMED
        .iter()
        .copied()
        .chain(fields.iter().map(String::as_str))
    {
        let segments: Vec<&str> = path.split('.').collect();
        if let Some(bad) = segments.iter().find(|s| !is_graphql_name(s)) {
            return Err(ConnectorError::Setting {
                system: SYSTEM,
                setting: "fields".into(),
                problem: format!("has `{path}`, and `{bad}` is not a GraphQL field name"),
                help: Some("Worknice field names are letters, digits and `_`".into()),
            });
        }
        tree.insert(&segments);
    }
    Ok(format!(
        "query People($includeArchived: Boolean) {{ session {{ org {{ people(includeArchived: $includeArchived) {} }} }} }}",
        tree.render()
    ))
}

fn is_graphql_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A selection set, children in first-seen order.
#[derive(Debug, Default)]
struct Tree(Vec<(String, Tree)>);

impl Tree {
    fn insert(&mut self, path: &[&str]) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        let i = match self.0.iter().position(|(name, _)| name == first) {
            Some(i) => i,
            None => {
                self.0.push(((*first).to_owned(), Tree::default()));
                self.0.len() - 1
            }
        };
        self.0[i].1.insert(rest);
    }

    fn render(&self) -> String {
        let inner: Vec<String> = self
            .0
            .iter()
            .map(|(name, sub)| {
                if sub.0.is_empty() {
                    name.clone()
                } else {
                    format!("{name} {}", sub.render())
                }
            })
            .collect();
        format!("{{ {} }}", inner.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_selects_confirmed_and_mapped_fields_once() {
        let q = query(&["employmentBasis".into(), "location.name".into()]).unwrap();
        assert_eq!(
            q,
            "query People($includeArchived: Boolean) { session { org { people(includeArchived: $includeArchived) \
             { id displayName status role employeeCode profileEmail startDate profileBirthday { day month } \
             location { name } currentJob { position { title manager { currentJob { person { id displayName } } } } } \
             employmentBasis } } } }"
        );
        assert!(query(&["Förnamn".into()]).is_err());
    }

    #[test]
    fn graphql_errors_join_with_paths() {
        let response = json!({"errors": [
            {"message": "Cannot query field \"x\" on type \"Person\".", "path": ["session", "org", "people", 3]},
            {"message": "second"}
        ], "data": null});
        assert_eq!(
            errors(&response).unwrap(),
            "Cannot query field \"x\" on type \"Person\". (at session.org.people.3); second"
        );
        assert_eq!(errors(&json!({"errors": [], "data": {}})), None);
    }
}
