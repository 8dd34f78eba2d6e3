// Types for the TypeScript that imports from the launcher (plain JavaScript, so that Node 20 can run it).

/** Node flags the airlock command runs with (see launch.mjs). */
export declare const cliNodeFlags: readonly string[];
