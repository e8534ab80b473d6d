/**
 * The modules mutation testing covers, each with the source it mutates and the test files that hold its meaning
 * (only those run, so a module takes minutes, not hours), and optionally `skipTests`, a pattern of test names left
 * out (tests that only spawn the CLI, which runs no mutant). Used by stryker.config.mjs and vitest.mutation.config.ts.
 */
const dslTests = ["test/dsl/corpus.test.ts", "test/dsl/semantics.test.ts", "test/dsl/extends.test.ts"];

export const modules = {
  parser: { mutate: ["dsl/parser.ts", "dsl/lexer.ts", "dsl/delimiters.ts"], tests: [...dslTests, "test/dsl/ast.test.ts", "test/dsl/lexer.test.ts", "test/golden.test.ts"] },
  "cst-to-ast": { mutate: ["dsl/cst-to-ast.ts"], tests: [...dslTests, "test/dsl/ast.test.ts", "test/dsl/unreachable.test.ts", "test/golden.test.ts"] },
  checks: { mutate: ["dsl/checks/*.ts", "dsl/diagnostics.ts"], tests: [...dslTests, "test/dsl/checks.test.ts", "test/dsl/unreachable.test.ts", "test/dsl/suggest.test.ts"] },
  compile: { mutate: ["dsl/compile.ts"], tests: [...dslTests, "test/dsl/compile.test.ts", "test/golden.test.ts", "test/policies.test.ts"] },
  // test/engine/codegen.test.ts holds the generator to json-rules-engine in all its shapes in seconds; the shipped
  // policies' cases (test/policies.test.ts) and the 1,000-rule indexing tests take minutes a mutant on 2 cores.
  codegen: { mutate: ["engine/codegen.ts"], tests: ["test/engine/codegen.test.ts", "test/dsl/semantics.test.ts", "test/dsl/extends.test.ts", "test/engine/lib.test.ts"] },
  envelope: { mutate: ["dsl/envelope.ts"], tests: ["test/dsl/envelope.test.ts", ...dslTests, "test/dsl/catalogue.test.ts"] },
  format: { mutate: ["dsl/format.ts"], tests: ["test/dsl/format.test.ts"], skipTests: "precept fmt --check" },
};
