import type { RecordedCall } from './stand-in-types';
import { waitUntil } from './wait-until';

/** Every request the stand-in answered, in order, for tests to assert on and the local chat to print. */
export class RecordedCalls {
  readonly all: RecordedCall[] = [];

  constructor(private readonly onCall: (call: RecordedCall) => void) {}

  record(method: string, args: Record<string, unknown>, token: string | undefined, status: number, response: Record<string, unknown>, teamId?: string): void {
    const call: RecordedCall = { method, args, token, at: Date.now(), status, response, teamId };
    this.all.push(call);
    this.onCall(call);
  }

  /** The calls to `method` Slack would have accepted (HTTP 200 and `ok: true`). */
  successful(method: string): RecordedCall[] {
    return this.all.filter((c) => c.method === method && c.status === 200 && c.response.ok === true);
  }

  async waitFor(method: string, predicate: (c: RecordedCall) => boolean, timeoutMs: number): Promise<RecordedCall> {
    let found: RecordedCall | undefined;
    await waitUntil(() => (found = this.successful(method).find(predicate)) !== undefined, timeoutMs, `a successful ${method} call`);
    return found!;
  }
}
