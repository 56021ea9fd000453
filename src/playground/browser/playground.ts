import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import './playground.css';
// the file tree and editor, above the terminal (its own module: it builds its part of the page)
import './editor';
import { startPreviews } from './previews';
import { sessionUrl } from './session-url';

/** The playground page: the step beside a terminal in the learner's sandbox. Talks only to its own origin. */

interface StepView {
  lessonTitle: string;
  title: string;
  body: string;
  index: number;
  count: number;
  autoCheck: boolean;
}

const $ = (id: string) => document.getElementById(id)!;
const status = (text: string) => ($('status').textContent = text);

const previews = startPreviews($('previews'));

const term = new Terminal({ cursorBlink: true, scrollback: 5000, fontSize: 14, convertEol: false });
const fit = new FitAddon();
term.loadAddon(fit);
term.open($('terminal'));
fit.fit();

let socket: WebSocket | undefined;
let retry = 0;
let stopped = false;
/** An admin watching a learner (the server drops whatever this page sends). */
let readOnly = false;

function send(message: object): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

term.onData((d) => send({ t: 'i', d }));
term.onResize(({ cols, rows }) => send({ t: 'r', cols, rows }));
window.addEventListener('resize', () => fit.fit());

function connect(): void {
  const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${sessionUrl(`/ws/terminal?cols=${term.cols}&rows=${term.rows}`)}`;
  status(retry ? 'Reconnecting…' : 'Opening your sandbox…');
  const ws = new WebSocket(url);
  socket = ws;
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data)) as { t: string; d?: string; reattached?: boolean; why?: string; readOnly?: boolean };
    if (m.t === 'o' && m.d) term.write(m.d);
    else if (m.t === 'ready') {
      retry = 0;
      status(m.reattached ? 'Connected (your shell kept running)' : 'Connected');
      if (m.reattached) term.reset();
      if (m.readOnly) {
        readOnly = true;
        status("Watching this learner's terminal (read-only)");
        for (const id of ['check', 'hint']) ($(id) as HTMLButtonElement).disabled = true;
      }
      term.focus();
      previews.refresh();
    } else if (m.t === 'step') loadStep().catch(failed);
    else if (m.t === 'ports') previews.refresh();
    else if (m.t === 'exit') {
      term.write(`\r\n\x1b[33m[${m.why === 'shell ended' ? 'your shell ended (a reset or a new sandbox?): opening a new one' : m.why ?? 'closed'}]\x1b[0m\r\n`);
    }
  };
  ws.onclose = (e) => {
    if (socket !== ws || stopped) return;
    if (e.code === 4401 || e.code === 1008) {
      stopped = true;
      status('Your session has ended. Type `playground` in your Slack DM with Dockhand for a new link.');
      return;
    }
    if (e.code === 4001) {
      stopped = true;
      status('This terminal was opened in another tab.');
      return;
    }
    retry++;
    status('Connection lost: reconnecting…');
    setTimeout(connect, Math.min(5000, 250 * 2 ** Math.min(retry, 5)));
  };
}

function failed(): void {
  $('said').textContent = 'The playground could not reach Dockhand; reload the page to try again.';
}

async function api(path: string, method = 'GET'): Promise<Response> {
  return fetch(sessionUrl(path), { method, credentials: 'same-origin', headers: method === 'POST' ? { 'Content-Type': 'application/json' } : {} });
}

async function loadStep(): Promise<void> {
  const res = await api('/api/step');
  if (res.status === 401) {
    stopped = true;
    status('Open the playground from Slack: type `playground` in your DM with Dockhand.');
    return;
  }
  const { step } = (await res.json()) as { step: StepView | null };
  $('lesson').textContent = step ? `${step.lessonTitle} · step ${step.index + 1} of ${step.count}` : 'No lesson running';
  $('step-title').textContent = step ? step.title : 'Start a lesson in Slack (type `lessons` in your DM).';
  $('step-body').textContent = step ? step.body : '';
  ($('check') as HTMLButtonElement).disabled = !step || readOnly;
  ($('hint') as HTMLButtonElement).disabled = !step || readOnly;
}

async function stepAction(kind: 'check' | 'hint'): Promise<void> {
  $('said').textContent = kind === 'check' ? 'Checking…' : '';
  const res = await api(`/api/${kind}`, 'POST');
  const { said } = (await res.json().catch(() => ({ said: ['Something went wrong; try again.'] }))) as { said?: string[] };
  $('said').textContent = (said ?? []).join('\n') || (res.ok ? '' : 'Something went wrong; try again.');
  await loadStep();
}

$('check').addEventListener('click', () => stepAction('check').catch(failed));
$('hint').addEventListener('click', () => stepAction('hint').catch(failed));

loadStep()
  .then(() => {
    if (!stopped) connect();
  })
  .catch(failed);
