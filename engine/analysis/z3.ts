/**
 * (Node only) One Z3 context per process. `init()` loads the WebAssembly module (about half a second) and starts
 * threads that keep the process alive, so command-line tools end with `process.exit`.
 */
import type { Arith, Bool, Context } from "z3-solver";

export type Z3 = Context<"main">;
export type B = Bool<"main">;
export type A = Arith<"main">;

let ctx: Promise<Z3> | undefined;

export function z3(): Promise<Z3> {
  ctx ??= import("z3-solver").then(async ({ init }) => {
    const { Context: make } = await init();
    return make("main");
  });
  return ctx;
}
