import { formatBytes, type Active } from './session-result';

/**
 * Accounts one chunk of a command's output: counts it, keeps the last `outputCapBytes` (a flood shows its tail),
 * and says whether to render it (within the cap) and whether the command must stop: a fork bomb (bash reports
 * its failed forks; waiting for the timeout would keep the process limit exhausted for everyone in the sandbox)
 * or output past cap x floodFactor.
 */
export function recordOutput(a: Active, text: string, floodFactor: number): { render: boolean; stop: boolean } {
  const bytes = Buffer.byteLength(text);
  a.totalBytes += bytes;
  const cap = a.opts.outputCapBytes;
  const render = a.totalBytes <= cap;
  a.tail.push(text);
  a.tailBytes += bytes;
  while (a.tailBytes - Buffer.byteLength(a.tail[0]!) >= cap && a.tail.length > 1) a.tailBytes -= Buffer.byteLength(a.tail.shift()!);
  let stop = false;
  if (!a.runaway && !a.stopping && /fork: (retry: )?Resource temporarily unavailable/.test(text)) {
    a.runaway = true;
    stop = true;
  }
  if (!a.flooded && a.totalBytes > cap * floodFactor) {
    a.flooded = true;
    a.notices.push(`Output passed ${formatBytes(cap * floodFactor)}, so the command was stopped; the last ${formatBytes(cap)} are shown.`);
    stop = true;
  }
  return { render, stop };
}
