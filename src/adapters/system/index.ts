export { createManualClock, createScaledClock, systemClock } from './clock';
export type { ManualClock, ManualScheduler, ScaledClock } from './clock';
export { createManualTimers, createSystemTimers } from './timers';
export type { ManualTimers } from './timers';
