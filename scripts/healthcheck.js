#!/usr/bin/env node
/* global fetch, AbortSignal */
// The image's HEALTHCHECK: the bot's /healthz on METRICS_PORT answers 200 within 4 s. With METRICS_PORT=off
// there is nothing to ask, so the check passes (the orchestrator then relies on the process alone).
const port = process.env.METRICS_PORT || '9464';
if (port.trim().toLowerCase() === 'off') process.exit(0);
fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
