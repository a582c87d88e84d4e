//! Flex HRM's web API. There is no public reference, so everything here is built to bend:
//!
//! - the base URL is taken whole from `url`, path prefix included (`…flexhosting.se/webapi/api`
//!   on older hosts, `api.flexhrm.com/api` on newer ones), and employees are
//!   `GET <url>/employees?instance=…&companynumber=…|companyId=…&pageIndex=…&pageSize=…`;
//! - the integration user's credentials travel as HTTP Basic, behind [`FlexAuth`], because
//!   Flex is moving sign-in to Visma Connect and the API's mechanism may follow;
//! - a page is a bare array or an object with exactly one array field; paging ends on a page
//!   shorter than `pageSize` (the envelope gives no total);
//! - each company in `companies` is read in turn and people are de-duplicated by `Id`, so a
//!   person employed in two companies is one record. Managers (`ImmediateManagerEmployeeId`)
//!   may be in another company: the mapping resolves them after every company is read;
//! - PascalCase and camelCase keys are both read (the records reader makes them PascalCase),
//!   and gender `1`/`2`/`_`/`0` is passed through for the mapping's value map.
//!
//! The wire facts, documented and inferred, and the emulator that follows them: `WIRE.md`.

mod fields;
mod shape;

use super::collect::{Collector, describe, id_text};
use super::error::ConnectorError;
use super::http::{Http, Reply};
use super::settings::Secret;
use super::{Connector, Ctx, join};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;

/// The system's name in messages.
pub(super) const SYSTEM: &str = "Flex HRM";

/// The `flex` source kind, registered in `connectors`' `registry!`.
pub(crate) const CONNECTOR: Connector = Connector {
    kind: "flex",
    system: SYSTEM,
    shape: &shape::SHAPE,
    url_setting: "url",
    external_id: "Id",
    source: fields::kind,
    fetch: |ctx| Box::pin(fetch(ctx)),
    units: None,
};

/// How requests prove who they are. One strategy today; a bearer token from Visma Connect
/// would be a second variant, chosen by a setting.
#[derive(Debug, Clone)]
pub enum FlexAuth {
    /// HTTP Basic with the integration user.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
}

impl FlexAuth {
    fn apply(&self, request: RequestBuilder) -> RequestBuilder {
        match self {
            FlexAuth::Basic { username, password } => {
                request.basic_auth(username, Some(password.expose()))
            }
        }
    }

    /// Every form of the credential a request carries, for redaction.
    fn secret_forms(&self) -> Vec<String> {
        match self {
            FlexAuth::Basic { username, password } => {
                crate::env::basic_auth_forms(username, password.expose())
            }
        }
    }
}

/// Fetches every employee of every listed company.
pub(super) async fn fetch(ctx: &Ctx<'_>) -> Result<Collector, ConnectorError> {
    let s = &ctx.settings;
    let base = s.base_url("url", ctx.base_url)?;
    let auth = FlexAuth::Basic {
        username: s.required_text("username")?,
        password: s.secret("password")?,
    };
    let instance = s.required_text("instance")?;
    let companies = s.list("companies")?;
    if companies.is_empty() {
        return Err(ConnectorError::Setting {
            system: SYSTEM,
            setting: "companies".into(),
            problem: "lists no company".into(),
            help: Some("write e.g. `companies = [\"1010\"]`".into()),
        });
    }
    let page_size = s.int("page_size")?.unwrap_or(100).max(1) as usize;
    let http = Http::new(ctx.client, SYSTEM, ctx.policy, Vec::new());
    http.also_redact(auth.secret_forms());
    let employees = join(&base, "/employees")?;
    let mut out = Collector::new(SYSTEM, &shape::SHAPE, |e| {
        id_text(e.get("Id").or_else(|| e.get("id")))
    });
    for company in &companies {
        // Numbers are company numbers; anything else (a UUID) is a company ID.
        let param = if company.chars().all(|c| c.is_ascii_digit()) {
            "companynumber"
        } else {
            "companyId"
        };
        let mut page_index = 0usize;
        let mut in_company = 0usize;
        out.restart();
        loop {
            let mut url = employees.clone();
            url.query_pairs_mut()
                .append_pair("instance", &instance)
                .append_pair(param, company)
                .append_pair("pageIndex", &page_index.to_string())
                .append_pair("pageSize", &page_size.to_string());
            let reply = http
                .send(Method::GET, url, |r| {
                    auth.apply(r).header("Accept", "application/json")
                })
                .await?;
            let items = page(&http, &reply, company)?;
            let returned = items.len();
            in_company += returned;
            out.add_page(&reply, items, "pageIndex")?;
            ctx.progress.update(SYSTEM, out.len(), None);
            if returned < page_size {
                break;
            }
            page_index += 1;
        }
        if in_company == 0 {
            // Flex shows nothing, rather than an error, for a company the user cannot see.
            out.warnings.push(format!(
                "company {company} has no employees: check the number and that the integration user has access to it"
            ));
        }
    }
    out.requests = http.requests();
    Ok(out)
}

/// The employees of a page, or the error it reports.
fn page(http: &Http<'_>, reply: &Reply, company: &str) -> Result<Vec<Value>, ConnectorError> {
    match reply.status {
        401 => {
            return Err(reply.call.auth(
                reply.status,
                http.message(reply),
                Some("check `username` and `password` of the Flex HRM integration user".into()),
            ));
        }
        403 => {
            return Err(reply.call.auth(
                reply.status,
                http.message(reply),
                Some(format!(
                    "the integration user needs access to company {company} and a role that may view employees"
                )),
            ));
        }
        s if !(200..300).contains(&s) => {
            let help = (s == 404).then(|| {
                "check `url`: it must include the API prefix, e.g. `https://acme.flexhosting.se/webapi/api`, and `instance`".into()
            });
            return Err(reply.call.status(s, http.message(reply), help));
        }
        _ => {}
    }
    match reply.json()? {
        Value::Array(items) => Ok(items),
        Value::Object(mut wrapper) => {
            let arrays: Vec<String> = wrapper
                .iter()
                .filter(|(_, v)| v.is_array())
                .map(|(k, _)| k.clone())
                .collect();
            match arrays.as_slice() {
                [key] => match wrapper.remove(key) {
                    Some(Value::Array(items)) => Ok(items),
                    _ => Err(reply.call.malformed(reply.status, "no list of employees")),
                },
                [] => Err(reply
                    .call
                    .malformed(reply.status, "an object without a list of employees")),
                _ => Err(reply.call.malformed(
                    reply.status,
                    format!(
                        "an object with several lists ({}); which holds the employees is unclear",
                        arrays.join(", ")
                    ),
                )),
            }
        }
        other => Err(reply.call.malformed(
            reply.status,
            format!("{}, not a list of employees", describe(&other)),
        )),
    }
}
