// The `airlock` entry point: sizes the thread pool and turns on the compile cache before any other module loads.

import './thread-pool.ts';
import { enableCompileCache } from 'node:module';
import { compileCacheDir } from './compile-cache.ts';

// Modules compiled once are reused from the cache on the next run: without it, compiling the CLI's code costs
// more than a small command's work. A cache that cannot be written is simply not used.
enableCompileCache(compileCacheDir());
// Imported, not linked statically: a static import would compile everything before the cache was on.
const { main } = await import('./run.ts');
process.exitCode = await main(process.argv.slice(2));
