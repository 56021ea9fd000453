/** What the tutor says, free of any chat platform's types; the Slack layer renders it. */
export interface Reply {
  /** Plain-text summary: notifications and clients without blocks show it. */
  text: string;
  /** Markdown-ish paragraphs (Slack mrkdwn subset: *bold*, `code`, ```blocks```). */
  sections?: string[];
  buttons?: ReplyButton[];
}

export interface ReplyButton {
  label: string;
  actionId: string;
  value?: string;
}
