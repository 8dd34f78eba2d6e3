// The error every API call rejects with: the engine's stable code and its plain sentence, ready to show.

export class ApiError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

/** Codes the renderer itself raises when the engine cannot be reached or answers nonsense. */
export const clientErrorCodes = { disconnected: 'DISCONNECTED', badReply: 'BAD_REPLY' } as const;

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (typeof err === 'object' && err !== null && 'code' in err && 'message' in err && typeof err.code === 'string' && typeof err.message === 'string') {
    return new ApiError(err.code, err.message);
  }
  return new ApiError('INTERNAL', err instanceof Error ? err.message : String(err));
}
