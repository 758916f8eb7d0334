/** The generated files of the WebAssembly contract, as scripts/contract.mjs writes them: [path from the repository's root, text]. */
export declare function generate(root?: URL): [string, string][];
