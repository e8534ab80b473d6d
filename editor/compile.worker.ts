/**
 * The compile worker: runs dsl/'s `compilePolicy` off the main thread, so typing in a 2,000-line policy never waits
 * for the compiler. The main thread (editor/analysis.ts) sends the program's context (request schema, sources of
 * the versions a draft may extend) when it changes, then only texts; the worker answers each text with its
 * diagnostics, the compiled policy when there are no errors, and the outline completion and hover use.
 */
import { compilePolicy, parsePolicy, type PolicyHost } from "../dsl/index.js";
import type { ParseResult } from "../dsl/index.js";
import { emptyOutline, outlineOf, type Outline } from "./outline.js";
import { failure, type WorkerReply, type WorkerRequest } from "./protocol.js";

let schema: object | undefined;
let parents = new Map<string, string>();
const parentParses = new Map<string, ParseResult>();

const host: PolicyHost = {
  requestSchema: () => schema,
  parentSource: (_program, version) => parents.get(version),
};

/** The outline of the versions a draft extends, nearest last; a cycle or a missing version just stops the chain. */
function inheritedOutline(version: string | undefined, seen: Set<string>): Outline {
  if (!version || seen.has(version)) return emptyOutline;
  const text = parents.get(version);
  if (text === undefined) return emptyOutline;
  let parse = parentParses.get(version);
  if (!parse || parse.lines.text !== text) {
    parse = parsePolicy(text);
    parentParses.set(version, parse);
  }
  seen.add(version);
  return outlineOf(parse, inheritedOutline(parse.envelope?.extends, seen), version);
}

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const msg = e.data;
  if (msg.type === "context") {
    schema = msg.schema;
    parents = new Map(Object.entries(msg.parents));
    parentParses.clear();
    return;
  }
  const t0 = performance.now();
  let reply: WorkerReply;
  try {
    const result = compilePolicy(msg.text, host);
    const base = inheritedOutline(result.parse.envelope?.extends, new Set(result.parse.envelope?.version ? [result.parse.envelope.version] : []));
    reply = {
      type: "result",
      seq: msg.seq,
      diagnostics: result.diagnostics,
      ...(result.compiled ? { compiledJson: JSON.stringify(result.compiled) } : {}),
      outline: outlineOf(result.parse, base),
      ms: performance.now() - t0,
    };
  } catch (e) {
    // dsl/ promises never to throw on user input; if it does anyway, say so instead of going silent.
    reply = failure(msg.seq, e instanceof Error ? e.message : String(e));
  }
  (self as unknown as Worker).postMessage(reply);
};
