/**
 * Request bodies checked against the contract (schemas.ts): ajv through engine/request.ts, each schema compiled once
 * (its cache is keyed by the schema object), 400 `invalid-body` with every JSON pointer (at most `maxErrors` of
 * them; `details.more` counts the rest), as the request schemas of the evaluate routes answer.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import type { Request } from "express";
import { requestValidatorBounded } from "../../engine/request.js";
import { readJson } from "../body.js";
import { badRequest } from "../errors.js";

const validators = new WeakMap<TSchema, ReturnType<typeof requestValidatorBounded>>();
/** Bodies are small and their mistakes few; this bounds the answer to a hostile one. */
const MAX_ERRORS = 50;

/** `value` as the schema's type, or 400 `invalid-body` naming each path. */
export function checkBody<T extends TSchema>(schema: T, value: unknown, what = "request body"): Static<T> {
  let validate = validators.get(schema);
  if (!validate) validators.set(schema, (validate = requestValidatorBounded(schema, MAX_ERRORS)));
  const { issues, total } = validate(value);
  if (issues.length === 0) return value as Static<T>;
  const errors = issues.map((i) => (i.message === "is not a field of this program's requests" ? { ...i, message: "is not a field of this body" } : i));
  const first = errors[0]!;
  throw badRequest("invalid-body", `${what} does not match the API: \`${first.path}\` ${first.message}`, {
    errors,
    ...(total > errors.length ? { more: total - errors.length } : {}),
  });
}

/** Reads a JSON body (415, 413, 400 as body.ts says) and checks it against the schema. */
export async function readBody<T extends TSchema>(req: Request, limit: number, schema: T): Promise<Static<T>> {
  return checkBody(schema, await readJson(req, limit));
}
