/**
 * What Slack does to a message a user types before an app receives it (docs/platform-facts.md), so the
 * stand-in exposes the bot to the same encoding: `&`, `<`, `>` become entities; URLs with a scheme
 * become `<url>`; bare domains become `<http://domain|domain>`; e-mail addresses become
 * `<mailto:x|x>`; `@here`/`@channel`/`@everyone` become `<!here>` etc. Mentions picked from Slack's
 * autocomplete (`<@U123>`) cannot be typed as text, so tests send them already encoded.
 */
const TLDS = 'com|org|net|io|dev|app|co|edu|gov|info|me|us|uk|de|local|test|example|internal';
const URL_WITH_SCHEME = /\b(?:https?|ftp):\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]}]/g;
const EMAIL = new RegExp(String.raw`\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.(?:${TLDS})\b`, 'g');
const BARE_DOMAIN = new RegExp(String.raw`(?<![\w@/.:-])(?:[A-Za-z0-9-]+\.)+(?:${TLDS})(?::\d+)?(?:/[^\s<>"'\`]*[^\s<>"'\`.,;:!?)\]}])?(?![\w-])`, 'g');
const SPECIAL = /(^|\s)@(here|channel|everyone)\b/g;

export function encodeLikeSlack(typed: string): string {
  const escaped = typed.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  // Placeholders (private-use characters) keep one rule from re-matching another's output (a URL's domain, an e-mail's domain).
  const tokens: string[] = [];
  const keep = (token: string) => `\uE000${tokens.push(token) - 1}\uE001`;
  return escaped
    .replace(URL_WITH_SCHEME, (url) => keep(`<${url}>`))
    .replace(EMAIL, (mail) => keep(`<mailto:${mail}|${mail}>`))
    .replace(BARE_DOMAIN, (domain) => keep(`<http://${domain}|${domain}>`))
    .replace(SPECIAL, (_m, pre: string, name: string) => `${pre}${keep(`<!${name}>`)}`)
    .replace(/\uE000(\d+)\uE001/g, (_m, i: string) => tokens[Number(i)]!);
}

/**
 * Slash command text as Slack sends it when the command's "Escape channels, users, and links" setting
 * is off (our manifest: `should_escape: false`): only `&`, `<`, `>` become entities.
 */
export function encodeSlashCommandText(typed: string): string {
  return typed.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
