// Progress events for long work: bytes and items done out of a total (when known), so every face can show a rate and ETA.

export interface Progress {
  /** What is being done, e.g. "backup", "restore", "check". */
  readonly phase: string;
  /** The item being worked on (a file path, a table), for display only. */
  readonly current?: string;
  readonly bytesDone: number;
  readonly bytesTotal?: number;
  readonly itemsDone: number;
  readonly itemsTotal?: number;
}

export type ProgressListener = (progress: Progress) => void;

/** Throws the signal's reason when cancelled; call between units of work. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}
