/**
 * Who is asking, and whether the project's rules let them. As in production, the Admin SDK bypasses the rules: in
 * emulator mode it sends `Authorization: Bearer owner`, and so does every server-side client here. Any other caller
 * is a client SDK, signed in (a Firebase ID token, decoded but not verified, as the official emulator does) or not,
 * and every read and write it makes is checked against `firestore.rules` (rules.ts).
 */
import { StructuredQueryCompositeFilterOperator as Composite, StructuredQueryFieldFilterOperator as Op, type StructuredQuery, type StructuredQueryFilter } from "@firestore-emulator/proto/dist/google/firestore/v1/query.js";
import { parseRules, restFieldsToRules, type RulesAuth, type RulesMethod, type RulesValue, type Ruleset } from "./rules.ts";
import { relativePath, type DocumentStore } from "./store.ts";
import { fromProtoValue } from "./values.ts";
import type { WatchTarget } from "./watch.ts";

export type Caller = { admin: true } | { admin: false; auth: RulesAuth | null };

export const ADMIN: Caller = { admin: true };

/** The caller an `authorization` header (or gRPC metadata value) names. */
export function callerOf(authorization: string | undefined): Caller {
  const token = /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1]?.trim();
  if (!token) return { admin: false, auth: null };
  if (token === "owner") return ADMIN;
  try {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
    const uid = typeof claims.user_id === "string" ? claims.user_id : claims.sub;
    return typeof uid === "string" && uid ? { admin: false, auth: { uid, token: claims } } : { admin: false, auth: null };
  } catch {
    // A token that is not a JWT authenticates no one; the rules then see request.auth == null.
    return { admin: false, auth: null };
  }
}

export class Access {
  #rules: Ruleset | null;
  #store: DocumentStore;
  #root: string;
  /** Client requests the rules refused, since start: what tests count to see a refusal happen at the stand-in. */
  refused = 0;

  /**
   * `root`: "projects/{p}/databases/(default)/documents". `rules`: the rules file's text; without it every client
   * request is refused (Firestore's locked mode).
   */
  constructor(store: DocumentStore, root: string, rules: string | undefined) {
    this.#store = store;
    this.#root = root;
    this.#rules = rules === undefined ? null : parseRules(rules);
  }

  /** Replaces the rules (the emulator's securityRules route); throws on a syntax error, keeping the old ones. */
  setRules(source: string): void {
    this.#rules = parseRules(source);
  }

  /** null when the caller may read the document at `name`, else the refusal. */
  get(caller: Caller, name: string): string | null {
    if (caller.admin) return null;
    const doc = this.#store.get(name);
    return this.#decide(caller, "get", relativePath(name), { resource: doc ? restFieldsToRules(doc.fields) : null });
  }

  /** null when the rules prove every document the query could return readable (rules are not filters), else the refusal. */
  query(caller: Caller, parent: string, query: StructuredQuery): string | null {
    if (caller.admin) return null;
    const from = query.from[0];
    // The parent is the database root ("…/documents") or a document under it.
    const path = [parent === this.#root ? "" : relativePath(parent), from?.collection_id ?? ""].filter(Boolean).join("/");
    return this.#decide(caller, "list", path, { equalities: query.has_where ? equalities(query.where) : {} });
  }

  watch(caller: Caller, target: WatchTarget): string | null {
    if ("documents" in target) {
      for (const name of target.documents) {
        const refusal = this.get(caller, name);
        if (refusal) return refusal;
      }
      return null;
    }
    return this.query(caller, target.query.parent, target.query.structuredQuery);
  }

  /** A write by a client: `before`/`after` are the document's data around it (null when absent). */
  write(caller: Caller, name: string, before: Record<string, RulesValue> | null, after: Record<string, RulesValue> | null): string | null {
    if (caller.admin) return null;
    const method: RulesMethod = !after ? "delete" : before ? "update" : "create";
    return this.#decide(caller, method, relativePath(name), { resource: before, ...(after ? { requestResource: after } : {}) });
  }

  #decide(caller: { auth: RulesAuth | null }, method: RulesMethod, path: string, rest: object): string | null {
    const lookup = (relative: string) => {
      const doc = this.#store.get(`${this.#root}/${relative}`);
      return doc ? restFieldsToRules(doc.fields) : null;
    };
    if (this.#rules?.allows({ method, path, auth: caller.auth, ...rest }, lookup)) return null;
    this.refused++;
    return `Missing or insufficient permissions. (stand-in: the rules refuse ${method} on /${path})`;
  }
}

/** The field == value filters a query is pinned by (at the top, or inside AND), which is what rules can rely on. */
function equalities(filter: StructuredQueryFilter): Record<string, RulesValue> {
  if (filter.has_field_filter && filter.field_filter.op === Op.EQUAL) {
    const value = restFieldsToRules({ value: fromProtoValue(filter.field_filter.value) }).value ?? null;
    return { [filter.field_filter.field.field_path]: value };
  }
  if (filter.has_composite_filter && filter.composite_filter.op === Composite.AND) {
    return Object.assign({}, ...filter.composite_filter.filters.map(equalities)) as Record<string, RulesValue>;
  }
  return {};
}
