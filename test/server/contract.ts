/**
 * Checks exchanges with a started server against the OpenAPI document that server publishes: the JSON body sent
 * against the operation's request schema, the answer against the schema of its status (an undocumented status
 * fails too), NDJSON answers line by line. Records which operations answered with success, so that a test can
 * require every operation of the document to have been exercised.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { call, ndjson, type Reply } from "./helpers.js";

const addFormats = (addFormatsModule as unknown as { default: (a: Ajv2020) => void }).default;
type Json = Record<string, any>;
const METHODS = ["get", "put", "post", "delete", "patch"];
const esc = (s: string): string => s.replace(/~/g, "~0").replace(/\//g, "~1");

export class Contract {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false });
  private readonly compiled = new Map<string, ValidateFunction>();
  /** `METHOD template` of every operation that answered 2xx in a checked exchange. */
  readonly succeeded = new Set<string>();

  private constructor(readonly doc: Json) {
    addFormats(this.ajv);
    this.ajv.addSchema({ ...doc, $id: "openapi" });
  }

  static async of(base: string): Promise<Contract> {
    return new Contract((await call(base, "/openapi.json")).body);
  }

  /** Every `METHOD template` of the document. */
  operations(): string[] {
    return Object.entries(this.doc.paths as Json).flatMap(([p, item]) => METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${p}`));
  }

  /** The document's path template for a concrete path (literal segments win over parameters). */
  template(method: string, path: string): string {
    const parts = path.split("?")[0]!.split("/");
    let best: { t: string; literal: number } | undefined;
    for (const [t, item] of Object.entries(this.doc.paths as Json)) {
      if (!item[method.toLowerCase()]) continue;
      const tp = t.split("/");
      if (tp.length !== parts.length) continue;
      let literal = 0;
      const ok = tp.every((seg, i) => {
        if (/^\{.+\}$/.test(seg)) return parts[i] !== "";
        literal++;
        return decodeURIComponent(parts[i]!) === seg;
      });
      if (ok && (!best || literal > best.literal)) best = { t, literal };
    }
    if (!best) throw new Error(`${method} ${path}: no operation in the OpenAPI document`);
    return best.t;
  }

  private validator(pointer: string): ValidateFunction {
    let v = this.compiled.get(pointer);
    if (!v) this.compiled.set(pointer, (v = this.ajv.compile({ $ref: `openapi#${pointer}` })));
    return v;
  }

  private expectValid(pointer: string, value: unknown, what: string): void {
    const v = this.validator(pointer);
    if (!v(value)) {
      throw new Error(`${what} does not match the OpenAPI document (${pointer}):\n${JSON.stringify(v.errors?.slice(0, 8), null, 2)}\nvalue: ${JSON.stringify(value).slice(0, 600)}`);
    }
  }

  /** Throws unless the request body and the reply are what the document says of this operation. */
  check(method: string, path: string, sent: unknown, reply: Reply, contentType = "application/json"): void {
    const t = this.template(method, path);
    const m = method.toLowerCase();
    const op = this.doc.paths[t][m] as Json;
    const name = `${method.toUpperCase()} ${t}`;
    if (sent !== undefined && typeof sent !== "string" && reply.status < 400) {
      const media = op.requestBody?.content?.[contentType];
      if (!media) throw new Error(`${name}: the document has no ${contentType} request body`);
      this.expectValid(`/paths/${esc(t)}/${m}/requestBody/content/${esc(contentType)}/schema`, sent, `${name} request body`);
    }
    let response = op.responses?.[String(reply.status)] as Json | undefined;
    if (!response) throw new Error(`${name} answered ${reply.status}, which the document does not list (${Object.keys(op.responses ?? {}).join(", ")})\n${reply.text.slice(0, 300)}`);
    let pointer = `/paths/${esc(t)}/${m}/responses/${reply.status}`;
    if (typeof response.$ref === "string") {
      pointer = (response.$ref as string).slice(1);
      response = pointer.split("/").slice(1).reduce((o: Json, k) => o[k.replace(/~1/g, "/").replace(/~0/g, "~")], this.doc);
    }
    const type = (reply.headers.get("content-type") ?? "").split(";")[0]!.trim();
    const content = response?.content as Json | undefined;
    if (content && reply.text !== "") {
      if (!content[type]) throw new Error(`${name} ${reply.status}: answered ${type}, the document lists ${Object.keys(content).join(", ")}`);
      const schemaAt = `${pointer}/content/${esc(type)}/schema`;
      if (type === "application/json") this.expectValid(schemaAt, reply.body, `${name} ${reply.status} answer`);
      else if (type === "application/x-ndjson") for (const line of ndjson(reply.text)) this.expectValid(schemaAt, line, `${name} ${reply.status} answer line`);
    } else if (!content && reply.text !== "" && reply.status !== 204) {
      throw new Error(`${name} ${reply.status}: answered a body the document does not describe`);
    }
    if (reply.status < 300) this.succeeded.add(name);
  }

  /** `call` whose exchange is checked. */
  async call<T = any>(base: string, path: string, init: Parameters<typeof call>[2] = {}): Promise<Reply<T>> {
    const reply = await call<T>(base, path, init);
    const method = init.method ?? (init.body === undefined ? "GET" : "POST");
    this.check(method, path, init.body, reply, init.headers?.["content-type"] ?? "application/json");
    return reply;
  }
}
