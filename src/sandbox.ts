/**
 * `wechatpay-global-core/sandbox`: the local WeChat Pay Global simulator, in process. Its state
 * file needs the optional peer dependency better-sqlite3.
 */
export {
  CALL_LOG_CAPACITY,
  startSandbox,
  type CallFault,
  type CallFilter,
  type RunningSandbox,
  type SandboxCall,
  type SandboxOperation,
  type SandboxCredentials,
  type SandboxOptions,
} from './adapters/sandbox';
