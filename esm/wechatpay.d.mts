export * from '../dist/src/wechatpay.js';
