// Imported first by the CLI: sizes libuv's thread pool (file I/O, zstd, scrypt) before its first use.
import { availableParallelism } from 'node:os';

// One thread per core, two at least and eight at most: the pool's heavy work is compression, which cannot use more
// threads than there are cores, and every thread that compresses keeps a malloc arena and zstd workspaces of its
// own. On 2 cores, 12 threads (the earlier size, meant to keep a drive busy with many small files) were no faster
// than 2 on a cold cache, and cost 50 MB more at the peak of a backup of /usr/share (320 against 270 MB).
process.env.UV_THREADPOOL_SIZE ??= String(Math.min(8, Math.max(2, availableParallelism())));
