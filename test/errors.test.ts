import { AppError, errorCode } from '../src/errors';

describe('AppError', () => {
  it('carries a stable code, a message and the original cause', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new AppError('DB_UNREACHABLE', 'the database is not reachable', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('AppError');
    expect(err.code).toBe('DB_UNREACHABLE');
    expect(err.message).toBe('the database is not reachable');
    expect(err.cause).toBe(cause);
    expect(String(err)).toBe('AppError: the database is not reachable');
  });

  it('errorCode reads the code of an AppError and calls anything else INTERNAL', () => {
    expect(errorCode(new AppError('RATE_LIMITED', 'slow down'))).toBe('RATE_LIMITED');
    expect(errorCode(new Error('plain'))).toBe('INTERNAL');
    expect(errorCode('a string')).toBe('INTERNAL');
    expect(errorCode(undefined)).toBe('INTERNAL');
    expect(errorCode({ code: 'RATE_LIMITED' })).toBe('INTERNAL');
  });
});
