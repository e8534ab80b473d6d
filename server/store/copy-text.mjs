// COPY's text format for bulk loads (server/store/db.ts): one line per row, columns separated by tabs, NULL as \N.
// Plain JavaScript so that a thread without a TypeScript loader (the PGlite worker) could use it too.

const SPECIAL = /[\\\n\r\t]/g;
const SPECIAL_ANY = /[\\\n\r\t]/;
const ESCAPES = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };
// What PostgreSQL text cannot hold: NUL, and lone surrogates (which UTF-8 encoding would silently turn into U+FFFD,
// storing something other than what was decided).
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function field(value) {
  if (value === undefined || value === null) return "\\N";
  let text;
  if (typeof value === "object") {
    // Objects and arrays go to json columns as their JSON text, which never holds a raw NUL, lone surrogate or
    // control character (JSON.stringify escapes them; the database judges those escapes as it did in INSERT).
    text = JSON.stringify(value);
    return text.includes("\\") ? text.replace(SPECIAL, (c) => ESCAPES[c]) : text;
  }
  text = String(value);
  if (UNSTORABLE.test(text)) throw new Error("a value holds text the database cannot store (NUL or a lone surrogate)");
  return SPECIAL_ANY.test(text) ? text.replace(SPECIAL, (c) => ESCAPES[c]) : text;
}

/**
 * The COPY text of `rows` (objects, or their JSON texts), taking `fields` of each in order. Throws, naming
 * nothing of the data, if a value cannot be stored.
 */
export function copyText(rows, fields) {
  let out = "";
  for (const row of rows) {
    const o = typeof row === "string" ? JSON.parse(row) : row;
    let line = "";
    for (let i = 0; i < fields.length; i++) line += (i === 0 ? "" : "\t") + field(o[fields[i]]);
    out += line + "\n";
  }
  return out;
}
