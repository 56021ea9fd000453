/**
 * Slack delivers user text escaped: `&`, `<`, `>` as entities, links and mentions as `<...>` tokens
 * (docs/platform-facts.md). `decodeSlackText` turns such text back into what the learner typed, before
 * anything parses it; it is the only place that knows Slack's encoding on the way in.
 *
 * A literal `<` never reaches us unescaped, so every `<...>` is a token:
 * - `<http://x|label>` -> `label` (Slack wraps what was typed, e.g. `localhost.com` -> `<http://localhost.com|localhost.com>`)
 * - `<http://x>` -> `http://x`; `<mailto:a@b.c|a@b.c>` -> `a@b.c`
 * - `<@U123|name>` -> `@name`, `<@U123>` -> `@U123`; `<#C123|general>` -> `#general`, `<#C123>` -> `#C123`
 * - `<!here>` -> `@here` (also channel, everyone); `<!subteam^S1|@team>` -> `@team`; `<!date^...|fallback>` -> `fallback`
 * Entities are decoded last, `&amp;` after the others, so `&amp;lt;` stays the text `&lt;` that was typed.
 */
export function decodeSlackText(text: string): string {
  return text
    .replace(/<([^<>]*)>/g, (_token, inner: string) => decodeToken(inner))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function decodeToken(inner: string): string {
  const bar = inner.indexOf('|');
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : undefined;
  if (target.startsWith('@')) return label !== undefined ? `@${label.replace(/^@/, '')}` : target;
  if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
  if (target.startsWith('!')) {
    if (label !== undefined) return label;
    const name = target.slice(1).split('^')[0] ?? '';
    return `@${name}`;
  }
  if (label !== undefined) return label;
  return target.startsWith('mailto:') ? target.slice('mailto:'.length) : target;
}

/**
 * Escapes text the bot echoes from a learner so Slack shows it literally: no `<!here>` or `<@U..>` it
 * could expand, no `&` sequences it would swallow. Used for plain `text` fallbacks and mrkdwn alike.
 */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
