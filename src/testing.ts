/**
 * `wechatpay-global-core/testing`: what a platform's tests need to run the core fast and
 * deterministically: manual and scaled clocks, timers that follow them, given-when-then
 * specifications for the deciders, `eventually` (wait on a condition, never a fixed time), signed and encrypted notifications as WeChat sends them, and the
 * in-process sandbox on a scaled clock (`startTestSandbox`, which needs the optional peer
 * better-sqlite3 and loads it only when called). Framework-neutral: failures are thrown
 * `AssertionError`s. Guide: docs/testing.md.
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
export { eventually } from './testkit/eventually';
export { DeciderSpecification, type Given, type Outcome, type When } from './testkit/given-when-then';
export {
  createNotificationBuilder,
  type NotificationBuilder,
  type NotificationKeys,
  type NotificationSpec,
} from './adapters/sandbox/notify/builder';
export {
  silentLogger,
  startTestSandbox,
  type TestSandbox,
  type TestSandboxOptions,
} from './main/test-sandbox';
export type {
  CallFilter,
  RunningSandbox,
  SandboxCall,
  SandboxCredentials,
  SandboxOptions,
} from './adapters/sandbox';
