// Preloaded into the Prisma CLI: the WASM schema engine leaves a 10 s timer armed after `migrate deploy`
// has finished, so every start and every test run would wait 10 s for nothing. Timers created from
// inside the WASM module are unref'd: they still fire while other work keeps the process alive.
const original = global.setTimeout;
global.setTimeout = function setTimeoutUnrefWasm(fn, ms, ...args) {
  const timer = original.call(this, fn, ms, ...args);
  if (ms >= 1000 && /wasm:\/\//.test(new Error().stack ?? '')) timer.unref?.();
  return timer;
};
