// The engines `--engine` accepts (a module of its own: the CLI's option parsing needs the names,
// not the engines).
export const ENGINES = ['wasm', 'reference'] as const;
export type EngineName = (typeof ENGINES)[number];
