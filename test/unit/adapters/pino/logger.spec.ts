import { createPinoLogger, isSecretKey, redactText } from '../../../../src/adapters/pino';

const capture = () => {
  const lines: string[] = [];
  return {
    lines,
    destination: { write: (line: string) => void lines.push(line) },
    parsed: () => lines.map((l) => JSON.parse(l)),
  };
};

const AUTH_CODE = '134567890123451234';
const TOKEN = 'tok-9f8e7d6c5b4a';
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';

describe('pino logger', () => {
  it('writes JSON lines with the level name, message, time and fields', () => {
    const out = capture();
    createPinoLogger({ destination: out.destination, level: 'debug' }).info('payment submitted', {
      outTradeNo: 'T1',
      amount: 1000,
    });
    const [line] = out.parsed();
    expect(line).toMatchObject({ level: 'info', msg: 'payment submitted', outTradeNo: 'T1', amount: 1000 });
    expect(new Date(line.time).toISOString()).toBe(line.time);
  });

  it('respects the level', () => {
    const out = capture();
    const logger = createPinoLogger({ destination: out.destination, level: 'warn' });
    logger.info('quiet');
    logger.debug('quieter');
    logger.warn('loud');
    logger.error('louder');
    expect(out.parsed().map((l) => l.msg)).toEqual(['loud', 'louder']);
  });

  it('refuses an unknown level', () => {
    expect(() => createPinoLogger({ level: 'verbose' })).toThrow('unknown log level');
  });

  it('secrets passed as fields never reach the output, at any depth and in any spelling', () => {
    const out = capture();
    const logger = createPinoLogger({ destination: out.destination });
    logger.info('request', {
      auth_code: AUTH_CODE,
      body: { payer: { authCode: AUTH_CODE }, list: [{ 'Auth-Code': AUTH_CODE }] },
      headers: { Authorization: `Bearer ${TOKEN}`, cookie: 'sid=abc' },
      config: { privateKey: PEM, apiV3Key: 'abcdefghijklmnopqrstuvwxyz012345', WPG_API_TOKEN: TOKEN },
      password: 'hunter2',
      clientSecret: 's3cr3t',
      token: TOKEN,
      outTradeNo: 'T1',
    });
    const text = out.lines.join('');
    for (const secret of [
      AUTH_CODE,
      TOKEN,
      'MIIEvQIBADAN',
      'abcdefghijklmnop',
      'hunter2',
      's3cr3t',
      'sid=abc',
    ])
      expect(text).not.toContain(secret);
    const [line] = out.parsed();
    expect(line.auth_code).toBe('[REDACTED]');
    expect(line.body.payer.authCode).toBe('[REDACTED]');
    expect(line.body.list[0]['Auth-Code']).toBe('[REDACTED]');
    expect(line.headers.Authorization).toBe('[REDACTED]');
    expect(line.config.privateKey).toBe('[REDACTED]');
    expect(line.outTradeNo).toBe('T1');
  });

  it('secret-looking values are masked inside messages and free text', () => {
    const out = capture();
    const logger = createPinoLogger({ destination: out.destination });
    logger.warn(`pay failed for code ${AUTH_CODE}`, {
      detail: `header was Bearer ${TOKEN}`,
      dump: `key:\n${PEM}\n`,
      error: new Error(`bad auth code ${AUTH_CODE}`),
    });
    const text = out.lines.join('');
    expect(text).not.toContain(AUTH_CODE);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('MIIEvQIBADAN');
    const [line] = out.parsed();
    expect(line.msg).toBe('pay failed for code 134567********1234');
    expect(line.error).toMatchObject({ type: 'Error', message: 'bad auth code 134567********1234' });
  });

  it('child loggers carry their fields, redacted too', () => {
    const out = capture();
    const child = createPinoLogger({ destination: out.destination }).child({
      correlationId: 'c-1',
      token: TOKEN,
    });
    child.error('boom', { step: 'pay' });
    const [line] = out.parsed();
    expect(line).toMatchObject({ correlationId: 'c-1', token: '[REDACTED]', step: 'pay', level: 'error' });
    expect(out.lines.join('')).not.toContain(TOKEN);
  });

  it('cycles and shared references are handled', () => {
    const out = capture();
    const shared = { id: 'x' };
    const cyclic: Record<string, unknown> = { a: shared, b: shared };
    cyclic.self = cyclic;
    createPinoLogger({ destination: out.destination }).info('cyclic', { cyclic });
    const [line] = out.parsed();
    expect(line.cyclic).toEqual({ a: { id: 'x' }, b: { id: 'x' }, self: '[Circular]' });
  });

  it('long digit runs that are not payment codes are kept', () => {
    expect(redactText('transaction 4200000000202611270000000001 at 1764237600000')).toBe(
      'transaction 4200000000202611270000000001 at 1764237600000',
    );
  });

  it.each([
    ['auth_code', true],
    ['authCode', true],
    ['apiV3Key', true],
    ['merchant_private_key', true],
    ['x-api-key', true],
    ['outTradeNo', false],
    ['tokenCount', false],
    ['signature', false],
  ])('%s is secret: %s', (key, secret) => {
    expect(isSecretKey(key)).toBe(secret);
  });
});
