/**
 * `wechatpay-global-core/sandbox`: the local WeChat Pay Global simulator, in process. Its state
 * file needs the optional peer dependency better-sqlite3.
 */
export {
  startSandbox,
  type RunningSandbox,
  type SandboxCredentials,
  type SandboxOptions,
} from './adapters/sandbox';
