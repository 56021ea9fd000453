/** An error with a stable machine-readable code; the original cause is kept for logs. */
export class AppError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
}

export function errorCode(err: unknown): string {
  return err instanceof AppError ? err.code : 'INTERNAL';
}
