/** Why a preview could not be shown (the dialer's reasons, plus the session's). */
export type PreviewProblem = 'refused' | 'timeout' | 'busy' | 'no-sandbox' | 'session' | 'bad-port' | 'failed' | 'sign-in' | 'ticket' | 'no-preview' | 'worker';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, lines: string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;color:#222}code{background:#eee;padding:1px 4px;border-radius:3px}</style></head>
<body><h1>${esc(title)}</h1>${lines.map((l) => `<p>${l}</p>`).join('')}</body></html>
`;
}

/** A friendly page for each problem, and the status it goes with (502-ish when the learner's app did not answer). */
export function problemPage(problem: PreviewProblem, port: number): { status: number; html: string } {
  const p = `<code>${port}</code>`;
  switch (problem) {
    case 'refused':
      return {
        status: 502,
        html: page(`Nothing is listening on port ${port}`, [
          `Nothing in your sandbox answers on port ${p} yet.`,
          `Publish a container on it first, for example <code>docker run -d -p ${port}:80 nginx</code>, then reload this page.`,
          'Check it is running with <code>docker ps</code> (the PORTS column shows what is published).',
        ]),
      };
    case 'timeout':
      return { status: 504, html: page(`Port ${port} did not answer in time`, [`Something on port ${p} accepted nothing or answered too slowly. Is your app still starting? Reload in a moment.`]) };
    case 'busy':
      return { status: 503, html: page('Too many previews open', ['Your sandbox already has many preview connections open. Close some preview tabs and reload.']) };
    case 'no-sandbox':
      return { status: 502, html: page('Your sandbox is not running', ['Run a command in Slack or in the playground terminal to start it, then reload this page.']) };
    case 'session':
      return { status: 401, html: page('Your playground session has ended', ['Type <code>playground</code> in your direct message with Dockhand for a new link.']) };
    case 'bad-port':
      return { status: 404, html: page('No such port', ['A preview address looks like <code>/preview/8080/</code>, with a port from 1 to 65535.']) };
    case 'sign-in':
      return { status: 401, html: page('Open this preview from your playground', ['This preview address needs a sign-in of its own. Open it with the <strong>Preview :PORT</strong> link in your playground, or the link Dockhand sent you in Slack.']) };
    case 'ticket':
      return { status: 403, html: page('This preview link was already used or has expired', ['Open the preview again with the <strong>Preview :PORT</strong> link in your playground.']) };
    case 'no-preview':
      return { status: 404, html: page('No such preview', ['Open your previews with the <strong>Preview :PORT</strong> links in your playground.']) };
    case 'worker':
      return { status: 403, html: page('Service workers are not available in previews', ['A service worker would outlive the preview, so previews do not register one.']) };
    default:
      return { status: 502, html: page('The preview failed', [`Dockhand could not reach port ${p} in your sandbox. Reload to try again.`]) };
  }
}
