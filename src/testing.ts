/**
 * `wechatpay-global-core/testing`: what a platform's tests need to run the core fast and
 * deterministically: manual and scaled clocks, timers that follow them, and given-when-then
 * specifications for the deciders. Framework-neutral: failures are thrown `AssertionError`s.
 */
export {
  createManualClock,
  createManualTimers,
  createScaledClock,
  createSystemTimers,
  systemClock,
  type ManualClock,
  type ManualTimers,
  type ScaledClock,
} from './adapters/system';
export { DeciderSpecification, type Given, type Outcome, type When } from './testkit/given-when-then';
