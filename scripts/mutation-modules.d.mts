export declare const modules: Readonly<Record<string, { readonly mutate: readonly string[]; readonly tests: readonly string[] }>>;
