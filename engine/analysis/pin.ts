/** A request field fixed to a given JSON value (or to missing), as a solver constraint. */
import { dayOfIso } from "./calendar.js";
import type { Field, Space } from "./space.js";
import type { B, Z3 } from "./z3.js";

const DT = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:\d{2})$/;

/** The field equals this JSON value (or is missing); undefined when the value cannot be pinned exactly. */
export function pin(z: Z3, space: Space, f: Field, value: unknown): B | undefined {
  const v = f.val;
  if (v.k === "undef") return value === undefined ? z.Bool.val(true) : undefined;
  if (v.k === "opaque") return undefined;
  if (value === undefined) return z.Not(v.def);
  switch (v.k) {
    case "bool":
      return typeof value === "boolean" ? z.And(v.def, v.v.eq(value)) : undefined;
    case "num":
      return typeof value === "number" ? z.And(v.def, v.v.eq(z.Real.val(value))) : undefined;
    case "str":
      return typeof value === "string" ? z.And(v.def, v.v.eq(space.str(value))) : undefined;
    case "date": {
      const d = typeof value === "string" ? dayOfIso(value) : undefined;
      return d === undefined ? undefined : z.And(v.def, v.v.eq(d));
    }
    case "dt": {
      const m = typeof value === "string" ? DT.exec(value) : null;
      const day = m ? dayOfIso(m[1]!) : undefined;
      if (!m || day === undefined) return undefined;
      const ms = ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000 + Number((m[5] ?? "0").padEnd(3, "0"));
      const off = m[6] === "Z" ? 0 : (m[6]![0] === "-" ? -1 : 1) * (Number(m[6]!.slice(1, 3)) * 60 + Number(m[6]!.slice(4, 6)));
      return z.And(v.def, v.day.eq(day), v.ms.eq(ms), v.off.eq(off));
    }
    case "arr":
      if (!Array.isArray(value)) return undefined;
      if (value.some((x) => typeof x !== "string" || !v.has.has(space.str(x)))) return undefined;
      return z.And(v.def, ...[...v.has].map(([i, b]) => b.eq(value.includes(space.universe[i]))));
    default:
      return undefined;
  }
}
