/**
 * The parts of @vercel/cosmosdb-server 1.0.1 the stand-in builds on, in one place: its in-memory account
 * (databases, containers, documents), its router and handlers, and its feed helper. We serve them from our
 * own HTTP server rather than the package's createHttpServer, whose request loop we cannot hook into.
 * Deep imports are safe: the version is pinned and the package has no `exports` map.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type * as AccountModule from "@vercel/cosmosdb-server/lib/account/index.js";
import type * as ReadItemsModule from "@vercel/cosmosdb-server/lib/handler/_read-items.js";
import type * as RoutesModule from "@vercel/cosmosdb-server/lib/routes.js";
import type * as GetValueModule from "@vercel/cosmosdb-server/lib/utils/get-value.js";

// require, not import: Node and vitest disagree on what a default import of these CommonJS modules is
// (typed as Node sees them: the namespace's `default` is module.exports)
const require = createRequire(import.meta.url);
const lib = "@vercel/cosmosdb-server/lib";
const accountModule: typeof AccountModule.default = require(`${lib}/account/index.js`);
const readItemsModule: typeof ReadItemsModule.default = require(`${lib}/handler/_read-items.js`);
const routesModule: typeof RoutesModule.default = require(`${lib}/routes.js`);
const getValueModule: typeof GetValueModule.default = require(`${lib}/utils/get-value.js`);

export const Account = accountModule.default;
export type Account = InstanceType<typeof Account>;
export type Collection = ReturnType<ReturnType<Account["database"]>["collection"]>;

/** Every handler of the package has this shape; its return value is the JSON body. */
export type Handler = (
  account: Account,
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
) => unknown;

/** The package's router: the handler and path params for a request, or undefined for "no route". */
export const route = (req: IncomingMessage): [Record<string, string>, Handler] | undefined =>
  routesModule.default(req) as [Record<string, string>, Handler] | undefined;

/** Reads `x-ms-max-item-count`/`x-ms-continuation`, pages the result and answers query syntax errors with 400. */
export const readItems = readItemsModule.default;

export const getValue = getValueModule.default;
