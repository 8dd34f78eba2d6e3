// Errors a person sees: a stable code, a sentence they can act on, and the CLI exit code.

export const exitCodes = {
  ok: 0,
  error: 1,
  usage: 2,
  partial: 3,
  repoUnavailable: 10,
  wrongPassphrase: 12,
} as const;

export type ErrorCode =
  | 'USAGE'
  | 'REPO_NOT_FOUND'
  | 'REPO_EXISTS'
  | 'REPO_LOCKED'
  | 'REPO_FORMAT_UNSUPPORTED'
  | 'WRONG_PASSPHRASE'
  | 'CORRUPT_DATA'
  | 'DISK_FULL'
  | 'IO_ERROR'
  | 'SNAPSHOT_NOT_FOUND'
  | 'SNAPSHOT_AMBIGUOUS'
  | 'PATH_NOT_FOUND'
  | 'TARGET_NOT_EMPTY'
  | 'TARGET_EXISTS'
  | 'UNSAFE_PATH'
  | 'SOURCE_UNREACHABLE'
  | 'SOURCE_INVALID'
  | 'SOURCE_AUTH_FAILED'
  | 'SOURCE_NOT_FOUND'
  | 'SOURCE_PRIVILEGE'
  | 'SOURCE_UNSUPPORTED'
  | 'SOURCE_CONNECTION_LOST'
  | 'SOURCE_CHANGED'
  | 'RESTORE_FAILED'
  | 'SOURCE_BUSY'
  | 'VERIFY_FAILED'
  | 'KEY_IN_USE'
  | 'CANCELLED'
  | 'TIMED_OUT'
  | 'CATALOG_TOO_NEW'
  | 'CATALOG_UNREADABLE'
  | 'CATALOG_BUSY'
  | 'JOB_NOT_FOUND'
  | 'JOB_EXISTS'
  | 'JOB_FAILED'
  | 'SCHEDULER_RUNNING';

const exitCodeOf: Partial<Record<ErrorCode, number>> = {
  USAGE: exitCodes.usage,
  REPO_NOT_FOUND: exitCodes.repoUnavailable,
  REPO_LOCKED: exitCodes.repoUnavailable,
  WRONG_PASSPHRASE: exitCodes.wrongPassphrase,
};

export class AirlockError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AirlockError';
    this.code = code;
  }

  get exitCode(): number {
    return exitCodeOf[this.code] ?? exitCodes.error;
  }
}

/** Turns operating-system errors about the disk into sentences; anything else passes through. */
export function describeIoError(err: unknown, what: string): unknown {
  if (!(err instanceof Error) || !('code' in err)) return err;
  switch (err.code) {
    case 'ENOSPC':
      return new AirlockError('DISK_FULL', `The disk is full while ${what}. Free up space or use a larger drive, then run the command again; nothing already stored was harmed.`, { cause: err });
    case 'EDQUOT':
      return new AirlockError('DISK_FULL', `The disk quota is exhausted while ${what}. Free up space, then run the command again.`, { cause: err });
    case 'EIO':
      return new AirlockError('IO_ERROR', `The drive reported an input/output error while ${what}. Check that it is still plugged in and healthy, then run \`airlock check\`.`, { cause: err });
    case 'EROFS':
      return new AirlockError('IO_ERROR', `The drive is read-only while ${what}. Make it writable and try again.`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new AirlockError('IO_ERROR', `Permission denied while ${what}. Check the folder's permissions.`, { cause: err });
    default:
      return err;
  }
}
