// A second, independent SCIM 2.0 server for wtmap's tests: SCIMMY (Node) does the protocol —
// schema validation and coercion, filters, PatchOp, ListResponse paging, BulkRequest,
// ServiceProviderConfig, ResourceTypes, Schemas — over an in-memory store, behind Node's own
// HTTP server. Each start takes a profile, to behave like the stricter servers wtmap meets:
//
//   --port N --token T          where to listen, the bearer token it accepts (both required)
//   --no-patch                  patch.supported=false; PATCH answers 501
//   --no-filter                 filter.supported=false; any `filter` answers 400 invalidFilter
//   --max-results N             filter.maxResults; a page never holds more
//   --max-members N             a PATCH of a group touching more members answers
//   --too-many-status 413|400   … with this status (413 default; 400 says "too many operations")
//   --pascal                    answers with PascalCase attribute names (UserName, Name.GivenName)
//   --bulk N                    bulk.supported with maxOperations N (off by default: /Bulk is 501)
//   --bulk-max-payload B        bulk.maxPayloadSize in bytes (default 1048576)
//   --etag                      etag.supported; meta.version, ETag headers, If-Match honoured (412)
//   --no-discovery              /ServiceProviderConfig, /ResourceTypes and /Schemas answer 404
//
// Strict where RFC 7644 lets a server be: userName unique (case-insensitive) and externalId
// unique per resource type (409 uniqueness), members must name existing users (400), unknown
// routes answer an HTML page (as a web framework in front of a SCIM service does).
// It prints `listening PORT` on stdout once ready. Requests are logged to stderr with --log.

import http from "node:http";
import crypto from "node:crypto";
import SCIMMY from "scimmy";

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const port = Number(option("--port", "0"));
const token = option("--token", "");
if (!token) {
    console.error("--token is required");
    process.exit(2);
}
const profile = {
    patch: !flag("--no-patch"),
    filter: !flag("--no-filter"),
    maxResults: Number(option("--max-results", "1000")),
    maxMembers: Number(option("--max-members", "0")),
    tooManyStatus: Number(option("--too-many-status", "413")),
    pascal: flag("--pascal"),
    bulk: Number(option("--bulk", "0")),
    bulkMaxPayload: Number(option("--bulk-max-payload", "1048576")),
    etag: flag("--etag"),
    discovery: !flag("--no-discovery"),
    log: flag("--log"),
};

const BASE = "/v2";
SCIMMY.Config.set({
    patch: {supported: profile.patch},
    filter: {supported: profile.filter, maxResults: profile.maxResults},
    bulk: profile.bulk > 0
        ? {supported: true, maxOperations: profile.bulk, maxPayloadSize: profile.bulkMaxPayload}
        : {supported: false, maxOperations: 0, maxPayloadSize: 0},
    sort: {supported: false},
    etag: {supported: profile.etag},
    changePassword: {supported: false},
    authenticationSchemes: [{
        type: "oauthbearertoken", name: "Bearer token", description: "A token in the Authorization header",
    }],
});

// The store: resources as SCIMMY hands them to ingress (coerced), plus id and meta.
const store = {Users: new Map(), Groups: new Map()};
let version = 0;

const conflict = (detail) => new SCIMMY.Types.Error(409, "uniqueness", detail);
const notFound = (id) => new SCIMMY.Types.Error(404, null, `Resource ${id} not found`);

function save(kind, resource, instance) {
    const map = store[kind];
    const id = resource.id;
    if (id !== undefined && !map.has(id)) throw notFound(id);
    const data = JSON.parse(JSON.stringify(instance));
    delete data.schemas;
    delete data.meta;
    if (kind === "Users") {
        const name = String(data.userName ?? "").toLowerCase();
        for (const [other, u] of map) {
            if (other !== id && u.userName.toLowerCase() === name)
                throw conflict(`userName ${data.userName} is already taken`);
        }
    }
    if (data.externalId !== undefined) {
        for (const [other, r] of map) {
            if (other !== id && r.externalId === data.externalId)
                throw conflict(`externalId ${data.externalId} is already taken`);
        }
    }
    if (kind === "Groups" && Array.isArray(data.members)) {
        for (const m of data.members) {
            if (!store.Users.has(m.value))
                throw new SCIMMY.Types.Error(400, "invalidValue", `member ${m.value} is not a user`);
        }
        // One entry per member.
        const seen = new Set();
        data.members = data.members.filter((m) => !seen.has(m.value) && seen.add(m.value));
    }
    const now = new Date().toISOString();
    const old = id !== undefined ? map.get(id) : undefined;
    const newId = id ?? crypto.randomUUID();
    version += 1;
    const stored = {
        ...data,
        id: newId,
        meta: {
            resourceType: kind === "Users" ? "User" : "Group",
            created: old?.meta.created ?? now,
            lastModified: now,
            ...(profile.etag ? {version: `W/"${version}"`} : {}),
        },
    };
    map.set(newId, stored);
    return stored;
}

function list(kind, resource) {
    const all = [...store[kind].values()];
    if (resource.id !== undefined) {
        const found = store[kind].get(resource.id);
        if (!found) throw notFound(resource.id);
        return [found];
    }
    return resource.filter ? resource.filter.match(all) : all;
}

function drop(kind, resource) {
    if (!store[kind].delete(resource.id)) throw notFound(resource.id);
    if (kind === "Users") {
        for (const g of store.Groups.values()) {
            g.members = (g.members ?? []).filter((m) => m.value !== resource.id);
        }
    }
}

SCIMMY.Resources.declare(SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false))
    .ingress((resource, instance) => save("Users", resource, instance))
    .egress((resource) => list("Users", resource))
    .degress((resource) => drop("Users", resource));
SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .ingress((resource, instance) => save("Groups", resource, instance))
    .egress((resource) => list("Groups", resource))
    .degress((resource) => drop("Groups", resource));
for (const R of [SCIMMY.Resources.User, SCIMMY.Resources.Group, SCIMMY.Resources.Schema,
    SCIMMY.Resources.ResourceType, SCIMMY.Resources.ServiceProviderConfig]) {
    R.basepath(BASE);
}

// PascalCase on the way out: every attribute name of a resource (not the URN keys of
// extensions, not the message envelope).
function pascal(value) {
    if (Array.isArray(value)) return value.map(pascal);
    if (value === null || typeof value !== "object") return value;
    const out = {};
    for (const [k, v] of Object.entries(value)) {
        const key = k === "schemas" || k.startsWith("urn:") ? k : k[0].toUpperCase() + k.slice(1);
        out[key] = pascal(v);
    }
    return out;
}

function shape(body) {
    if (!profile.pascal || body === undefined) return body;
    if (Array.isArray(body.Resources)) return {...body, Resources: body.Resources.map(pascal)};
    return pascal(body);
}

function send(res, status, body, headers = {}) {
    const text = body === undefined ? "" : JSON.stringify(shape(JSON.parse(JSON.stringify(body))));
    res.writeHead(status, {
        ...(text ? {"Content-Type": "application/scim+json"} : {}),
        "Content-Length": Buffer.byteLength(text),
        ...headers,
    });
    res.end(text);
}

function sendError(res, ex) {
    const status = Number(ex.status ?? 500);
    const body = {schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: String(status)};
    if (ex.scimType) body.scimType = ex.scimType;
    body.detail = ex.detail ?? ex.message ?? "error";
    const text = JSON.stringify(body);
    res.writeHead(status, {"Content-Type": "application/scim+json", "Content-Length": Buffer.byteLength(text)});
    res.end(text);
}

function html(res, status, title) {
    const text = `<!DOCTYPE html>\n<html><head><title>${status} ${title}</title></head>\n` +
        `<body><h1>${title}</h1><p>The requested URL was not found on this server.</p></body></html>\n`;
    res.writeHead(status, {"Content-Type": "text/html; charset=utf-8", "Content-Length": Buffer.byteLength(text)});
    res.end(text);
}

const fail = (status, scimType, detail) => new SCIMMY.Types.Error(status, scimType, detail);

function query(url) {
    const q = {};
    for (const [k, v] of url.searchParams) {
        q[k] = ["startIndex", "count"].includes(k) ? Number(v) : v;
    }
    if (q.filter !== undefined && !profile.filter)
        throw fail(400, "invalidFilter", "filtering is not supported by this service provider");
    q.count = Math.min(q.count ?? profile.maxResults, profile.maxResults);
    return q;
}

function etagOf(resource) {
    return profile.etag ? resource?.meta?.version : undefined;
}

function checkIfMatch(req, kind, id) {
    const expected = req.headers["if-match"];
    if (!profile.etag || expected === undefined) return;
    const current = store[kind].get(id);
    if (!current) throw notFound(id);
    if (expected !== "*" && expected !== current.meta.version)
        throw fail(412, null, `If-Match ${expected} does not match the resource's version ${current.meta.version}`);
}

function memberCount(operations) {
    let n = 0;
    for (const op of operations ?? []) {
        const path = String(op.path ?? op.Path ?? "");
        const value = op.value ?? op.Value;
        if (/^members/i.test(path)) {
            n += Array.isArray(value) ? value.length : (path.match(/value eq/gi)?.length ?? 1);
        } else if (!path && value && typeof value === "object") {
            for (const [k, v] of Object.entries(value)) if (/^members$/i.test(k) && Array.isArray(v)) n += v.length;
        }
    }
    return n;
}

const resourceTypes = {Users: SCIMMY.Resources.User, Groups: SCIMMY.Resources.Group};

async function handle(req, res, body) {
    const url = new URL(req.url, "http://localhost");
    if (req.headers.authorization !== `Bearer ${token}`) {
        throw fail(401, null, "Authorization failure: a valid bearer token is required");
    }
    if (!url.pathname.startsWith(`${BASE}/`)) return html(res, 404, "Not Found");
    const parts = url.pathname.slice(BASE.length + 1).split("/").map(decodeURIComponent);
    const [endpoint, id, extra] = parts;
    if (extra !== undefined) return html(res, 404, "Not Found");
    let payload;
    if (body.length) {
        const type = String(req.headers["content-type"] ?? "");
        if (!/^application\/(scim\+)?json\b/.test(type))
            throw fail(415, null, `Content-Type ${type} is not application/scim+json`);
        try {
            payload = JSON.parse(body);
        } catch {
            throw fail(400, "invalidSyntax", "the request body is not JSON");
        }
    }
    const method = req.method;
    const discovery = {ServiceProviderConfig: SCIMMY.Resources.ServiceProviderConfig,
        ResourceTypes: SCIMMY.Resources.ResourceType, Schemas: SCIMMY.Resources.Schema};
    if (endpoint in discovery) {
        if (!profile.discovery) return html(res, 404, "Not Found");
        if (method !== "GET") throw fail(405, null, `${method} is not allowed here`);
        const R = discovery[endpoint];
        return send(res, 200, await (id ? new R(id) : new R()).read());
    }
    if (endpoint === "Bulk" && id === undefined) {
        if (method !== "POST") throw fail(405, null, `${method} is not allowed here`);
        if (!profile.bulk) throw fail(501, null, "bulk operations are not supported by this service provider");
        if (Buffer.byteLength(body) > profile.bulkMaxPayload)
            throw fail(413, null, `the bulk request is larger than maxPayloadSize (${profile.bulkMaxPayload})`);
        const ops = payload?.Operations ?? [];
        if (!profile.patch && ops.some((o) => String(o.method).toUpperCase() === "PATCH"))
            throw fail(501, null, "PATCH is not supported by this service provider");
        const request = new SCIMMY.Messages.BulkRequest(payload, profile.bulk);
        const response = await request.apply([SCIMMY.Resources.User, SCIMMY.Resources.Group]);
        return send(res, 200, response);
    }
    const R = resourceTypes[endpoint];
    if (!R) return html(res, 404, "Not Found");
    const kind = endpoint;
    switch (method) {
        case "GET": {
            const q = query(url);
            if (id !== undefined) {
                const r = await new R(id, q.attributes ? {attributes: q.attributes} : {}).read();
                return send(res, 200, r, profile.etag ? {ETag: etagOf(store[kind].get(id))} : {});
            }
            return send(res, 200, await new R(q).read());
        }
        case "POST": {
            if (id !== undefined) throw fail(405, null, "POST goes to the collection");
            const r = await new R().write(payload);
            return send(res, 201, r, {
                Location: r.meta?.location ?? "",
                ...(profile.etag ? {ETag: etagOf(store[kind].get(r.id))} : {}),
            });
        }
        case "PUT": {
            if (id === undefined) throw fail(405, null, "PUT needs a resource ID");
            checkIfMatch(req, kind, id);
            const r = await new R(id).write(payload);
            return send(res, 200, r, profile.etag ? {ETag: etagOf(store[kind].get(id))} : {});
        }
        case "PATCH": {
            if (!profile.patch) throw fail(501, null, "PATCH is not supported by this service provider");
            if (id === undefined) throw fail(405, null, "PATCH needs a resource ID");
            checkIfMatch(req, kind, id);
            if (kind === "Groups" && profile.maxMembers > 0) {
                const n = memberCount(payload?.Operations);
                if (n > profile.maxMembers) {
                    throw profile.tooManyStatus === 400
                        ? fail(400, "invalidValue", `too many operations: ${n} member changes, at most ${profile.maxMembers} per request`)
                        : fail(413, null, `Payload Too Large: ${n} member changes, at most ${profile.maxMembers} per request`);
                }
            }
            const r = await new R(id).patch(payload);
            if (r === undefined) {
                res.writeHead(204, profile.etag ? {ETag: etagOf(store[kind].get(id))} : {});
                return res.end();
            }
            return send(res, 200, r, profile.etag ? {ETag: etagOf(store[kind].get(id))} : {});
        }
        case "DELETE": {
            if (id === undefined) throw fail(405, null, "DELETE needs a resource ID");
            await new R(id).dispose();
            res.writeHead(204);
            return res.end();
        }
        default:
            throw fail(405, null, `${method} is not allowed`);
    }
}

const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        handle(req, res, body)
            .then(() => profile.log && console.error(`${req.method} ${req.url} ${res.statusCode}`))
            .catch((ex) => {
                if (profile.log) console.error(`${req.method} ${req.url} ! ${ex.status ?? 500} ${ex.message}`);
                if (!res.headersSent) sendError(res, ex);
                else res.end();
            });
    });
});
server.listen(port, "127.0.0.1", () => {
    console.log(`listening ${server.address().port}`);
});
