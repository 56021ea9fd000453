import type { ForegroundProbe } from './foreground-probe';
import type { Active } from './session-result';

/** What stopping a command needs of its session: the pty, the shell's pid and the out-of-band helpers. */
export interface StopTarget {
  write(data: string): void;
  terminate(): void;
  shellPid(): number;
  probe(shellPid: number): Promise<ForegroundProbe>;
  killProcessGroup(pgid: number): Promise<void>;
  reapSession?(shellPid: number, includeShell: boolean): Promise<void>;
  /** The command finished (or another one is active): the escalation ends. */
  done(): boolean;
}

/**
 * Stops a running command by escalation: Ctrl-C, then kill what the shell's session runs from outside, a
 * second Ctrl-C, and finally the shell itself. Each step waits a little for the command to end first.
 */
export async function stopCommand(a: Active, t: StopTarget): Promise<void> {
  if (a.stopping || a.finished) return;
  a.stopping = true;
  clearTimeout(a.quietTimer);
  t.write('\x03');
  if (await waitDone(t, 1000)) return;
  try {
    // the whole session but the shell: the foreground group and whatever it started in the background
    const shellPid = t.shellPid();
    if (t.reapSession && shellPid) await t.reapSession(shellPid, false);
    else {
      const probe = await t.probe(shellPid);
      if (probe.foregroundPgid) await t.killProcessGroup(probe.foregroundPgid);
    }
  } catch {
    // fall through to terminating the shell
  }
  if (await waitDone(t, 2000)) return;
  // A second Ctrl-C ends bash's own fork-retry back-off, now that the limit has room again.
  t.write('\x03');
  if (await waitDone(t, 3000)) return;
  a.notices.push('The command did not stop, so its shell was restarted.');
  // nothing of the old shell may linger into the new one
  const shellPid = t.shellPid();
  if (t.reapSession && shellPid) await t.reapSession(shellPid, true).catch(() => undefined);
  t.terminate();
}

function waitDone(t: StopTarget, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const started = Date.now();
    const tick = setInterval(() => {
      if (t.done()) {
        clearInterval(tick);
        resolve(true);
      } else if (Date.now() - started >= ms) {
        clearInterval(tick);
        resolve(false);
      }
    }, 20);
  });
}
