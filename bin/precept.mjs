#!/usr/bin/env node
// `npx precept …`: run the TypeScript CLI through tsx so that no build step is needed.
import { register } from "tsx/esm/api";
register();
await import("../cli/main.ts");
