/** Longest message the tutor reads; Slack allows 40,000 characters, nobody types a command that long. */
export const MAX_MESSAGE_CHARS = 4000;

// C0 controls except tab and newline, DEL, and C1 controls: matching them is the point.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

// The delimiters of the tutor's reply tokens (reply.ts): a learner cannot forge a mention.
const TOKEN_DELIMITERS = /[\uE100\uE101]/g;

/** Makes learner text safe to store and echo: well-formed UTF-16, no control characters, no reply-token delimiters. */
export function cleanText(raw: string): string {
  return raw.toWellFormed().replace(CONTROL, '').replace(TOKEN_DELIMITERS, '').replace(/\r\n?/g, '\n');
}
