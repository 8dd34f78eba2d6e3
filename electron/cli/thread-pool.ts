// Imported first by the CLI: libuv's thread pool (file I/O, zstd, scrypt) has 4 threads by default, too few to keep
// a drive busy with many small files while two cores compress. It must be sized before its first use.
process.env.UV_THREADPOOL_SIZE ??= '12';
