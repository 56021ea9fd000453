import { parseProbe, probeForeground, probeScript } from '../../../src/sandbox/shell/foreground-probe';

describe('foreground probe', () => {
  it('without a T line (the probe failed) nothing waits', () => {
    expect(parseProbe('')).toEqual({ waitingForInput: false });
  });

  it('an idle shell is its own foreground group: nothing waits, no foreground pgid', () => {
    expect(parseProbe('T 10 10\nP 10|do_wait|bash|')).toEqual({ waitingForInput: false, foregroundPgid: undefined });
  });

  it('a process blocked in a tty read waits for input', () => {
    expect(parseProbe('T 20 10\nP 20|n_tty_read|cat |')).toEqual({ waitingForInput: true, foregroundPgid: 20 });
  });

  it('a read on a pts file descriptor waits, a read on a socket does not', () => {
    expect(parseProbe('T 20 10\nP 20|wait_woken|python3 x.py|/dev/pts/0').waitingForInput).toBe(true);
    expect(parseProbe('T 20 10\nP 20|wait_woken|curl x|socket:[123]').waitingForInput).toBe(false);
  });

  it('an interactive docker CLI on epoll waits; a non-interactive one does not', () => {
    expect(parseProbe('T 30 10\nP 30|ep_poll|docker run -it --rm busybox sh |').waitingForInput).toBe(true);
    expect(parseProbe('T 30 10\nP 30|ep_poll|docker attach web |').waitingForInput).toBe(true);
    expect(parseProbe('T 30 10\nP 30|ep_poll|docker run --rm busybox sleep 9 |').waitingForInput).toBe(false);
    expect(parseProbe('T 30 10\nP 30|hrtimer_nanosleep|docker run -it busybox sleep 9 |').waitingForInput).toBe(false);
  });

  it('reports a foreground group other than the shell even when nothing reads', () => {
    expect(parseProbe('T 40 10\nP 40|hrtimer_nanosleep|sleep 60 |')).toEqual({ waitingForInput: false, foregroundPgid: 40 });
  });

  it('runs the probe script for the shell pid through exec and parses its output', async () => {
    const exec = jest.fn(async () => ({ exitCode: 0, output: 'T 20 10\nP 20|n_tty_read|cat |', timedOut: false, truncated: false, durationMs: 1 }));
    await expect(probeForeground(exec, 1234)).resolves.toEqual({ waitingForInput: true, foregroundPgid: 20 });
    expect(exec).toHaveBeenCalledWith(probeScript(1234), expect.objectContaining({ timeoutMs: 3000 }));
    expect(probeScript(1234)).toMatch(/^B=1234; /);
  });
});
