import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** Captures log lines as objects so tests can assert on them. */
export function captureLogs(level = 'debug') {
  const logs: LogLine[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line) as LogLine);
      cb();
    },
  });
  return { logs, log: createLogger({ level, pretty: false, destination }) };
}
