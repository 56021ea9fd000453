/** What the Slack stand-in records and reports, for tests and the local chat. */
export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  token?: string;
  /** The workspace the call's bot token belongs to (undefined: no valid bot token). */
  teamId?: string;
  at: number;
  status: number;
  response: Record<string, unknown>;
}

export interface UploadedFile {
  id: string;
  filename?: string;
  title?: string;
  content: string;
  channelId?: string;
  threadTs?: string;
  completed: boolean;
}

export interface AckResult {
  envelopeId: string;
  payload?: unknown;
  ackMs: number;
}
