/** Small primitives every layer may use; the kit itself imports no other layer and no SDK. */
export { KeyedLanes, settlesBefore, type KeyedLanesOptions } from './keyed-lanes';
export { SlidingWindowLimiter, tooFastText, type SlidingWindowOptions, type WindowDecision } from './sliding-window-limiter';
export { systemClock, type Clock } from './clock';
export { BurstGate, type BurstGateOptions } from './burst-gate';
