import { createStderrLogger } from '../../../../src/adapters/pino/stderr-logger';

const AUTH_CODE = '134567890123451234';
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';

const capture = () => {
  const lines: string[] = [];
  const logger = createStderrLogger({}, (line) => void lines.push(line));
  return { logger, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
};

describe('the dependency-free default logger', () => {
  it('writes warnings and errors as JSON lines, and drops debug and info', () => {
    const { logger, parsed } = capture();
    logger.debug('noise');
    logger.info('more noise');
    logger.warn('payment needs review', { outTradeNo: 'T1' });
    logger.error('store unavailable');
    expect(parsed()).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'payment needs review', outTradeNo: 'T1' }),
      expect.objectContaining({ level: 'error', msg: 'store unavailable' }),
    ]);
    const time = parsed()[0]?.['time'];
    expect(typeof time === 'string' && new Date(time).toISOString() === time).toBe(true);
  });

  it('redacts secrets in fields, in child fields and in the message, as the pino logger does', () => {
    const { logger, parsed } = capture();
    logger
      .child({ apiToken: 'tok-9f8e7d6c5b4a' })
      .warn(`pay failed for ${AUTH_CODE}`, { authCode: AUTH_CODE, key: PEM, nested: { privateKey: PEM } });
    const [line] = parsed();
    const text = JSON.stringify(line);
    expect(text).not.toContain(AUTH_CODE);
    expect(text).not.toContain('tok-9f8e7d6c5b4a');
    expect(text).not.toContain('MIIEvQ');
    expect(line).toMatchObject({
      apiToken: '[REDACTED]',
      authCode: '[REDACTED]',
      msg: 'pay failed for 134567********1234',
    });
  });
});
